/**
 * The order actions' use case (used by fulfill-order, mark-order-delivered,
 * cancel-order, refund-order and the Stripe webhook consumer): the domain decides which wait serves the action
 * (routeOrderAction); this module signals that wait, or applies the action directly with the
 * workflow's own conditional transitions when no execution drives the order any more (the
 * direct payment steps are in order-payments.ts, so that fulfilment and delivery bundle no
 * Stripe SDK). So an order whose workflow failed or was stopped always has a way out, and
 * ORDER_BUSY means an execution that is really still running.
 */
import { requireOrder, type OrderRecord } from '../adapters/dynamodb/order-repository';
import { takeTaskToken } from '../adapters/dynamodb/order-transitions';
import { failWaitingOrder, OrderNotWaiting, resumeWaitingOrder, workflowState } from '../adapters/sfn/order-workflow';
import { Conflict } from '../domain/errors';
import { heldToken, routeOrderAction, TokenTaken, type ActionRoute, type HeldToken, type OrderAction, type WaitFailure } from '../domain/order';

/** Re-reads after the wait moved on between our read and our signal. */
const STALE_TOKEN_ATTEMPTS = 3;

export interface OrderActionRequest {
  readonly action: OrderAction;
  /** Loads the order (and checks the caller may act on it). */
  readonly read: () => Promise<OrderRecord>;
  /** The wait's result when the action resumes it (SendTaskSuccess). */
  readonly output?: object;
  /**
   * The action's own transition (a conditional write), applied before the wait is resumed: the
   * workflow has no step of its own for it (fulfill: FULFILLED, deliver: COMPLETED). Without it,
   * resuming the wait hands the action to the workflow (settle: `Mark paid`). It must write only
   * while the order holds the wait's token (`whileToken`, TransitionOptions), so an action that
   * failed the wait meanwhile (a cancel) wins over it.
   */
  readonly apply?: (order: OrderRecord, whileToken: HeldToken) => Promise<OrderRecord>;
  /** Why, when the action fails the wait (SendTaskFailure). */
  readonly cause?: string;
  /** The action applied without the workflow; `route.endWait` is a wait to end afterwards. */
  readonly direct: (order: OrderRecord, route: Extract<ActionRoute, { via: 'direct' }>) => Promise<OrderRecord>;
}

/** Carries out the action; `direct` tells whether it was applied here rather than by the workflow. */
export async function actOnOrder(request: OrderActionRequest): Promise<{ order: OrderRecord; direct: boolean }> {
  let executionEnded = false;
  for (let attempt = 1; ; attempt++) {
    const order = await request.read();
    const route = routeOrderAction(order, request.action);
    if (route.via === 'direct') return { order: await request.direct(order, route), direct: true };
    if (executionEnded || (route.via === 'workflow' && (await hasEnded(order)))) {
      return { order: await request.direct(order, { via: 'direct' }), direct: true };
    }
    if (route.via === 'workflow') throw busy(order, route.busyCode);
    try {
      if (route.signal === 'succeed' && request.apply) return { order: await applyThenResume(order, route.token, request), direct: false };
      await signal(order, route, request);
      return { order: await requireOrder(order.id), direct: false };
    } catch (error) {
      if (error instanceof TokenTaken) {
        if (attempt >= STALE_TOKEN_ATTEMPTS) throw busy(order, 'ORDER_BUSY');
        continue; // another action took the wait first: decide again on a fresh read
      }
      if (!(error instanceof OrderNotWaiting)) throw error;
      // The token is stale: the wait moved on (decide again on a fresh read), or the execution ended.
      executionEnded = await hasEnded(order);
      if (!executionEnded && attempt >= STALE_TOKEN_ATTEMPTS) throw busy(order, 'ORDER_BUSY');
    }
  }
}

/** Ends a wait that an action made pointless; a wait that already ended is fine. */
export async function endWait(taskToken: string, error: WaitFailure, cause: string): Promise<void> {
  await failWaitingOrder(taskToken, error, cause).catch((failure: unknown) => {
    if (!(failure instanceof OrderNotWaiting)) throw failure;
  });
}

/**
 * Writes the action's transition, then resumes the wait with the token read before the write
 * (which drops it from the order). A wait that ended in between (it timed out, or the execution
 * was stopped) leaves the transition standing: the order has moved on either way, and the
 * execution's own path (timeout, Needs attention) no longer needs this signal.
 */
async function applyThenResume(order: OrderRecord, token: string, request: OrderActionRequest): Promise<OrderRecord> {
  const held = heldToken(order, token);
  if (!held) throw new TokenTaken(order.id);
  const applied = await request.apply!(order, held);
  await resumeWaitingOrder(token, request.output ?? {}).catch((error: unknown) => {
    if (!(error instanceof OrderNotWaiting)) throw error;
  });
  return applied;
}

/**
 * Resumes the wait, or fails it after taking its token off the order: the wait's failure runs
 * compensations (refund, CANCELLED) that an action writing first (a shipment, applyThenResume)
 * must not overtake. A crash between the two leaves the wait to its timeout (Needs attention),
 * after which the actions apply directly.
 */
async function signal(order: OrderRecord, route: Extract<ActionRoute, { via: 'token' }>, request: OrderActionRequest): Promise<void> {
  if (route.signal === 'succeed') return resumeWaitingOrder(route.token, request.output ?? {});
  const held = heldToken(order, route.token);
  if (!held || !(await takeTaskToken(held, order.id))) throw new TokenTaken(order.id);
  return failWaitingOrder(route.token, route.signal, request.cause ?? route.signal);
}

/** An order past PENDING has had its execution, so a missing one (expired from the history) has ended too. */
async function hasEnded(order: OrderRecord): Promise<boolean> {
  const state = await workflowState(order.id);
  return state === 'ended' || (state === 'missing' && order.status !== 'PENDING');
}

function busy(order: OrderRecord, code: 'ORDER_BUSY' | 'PAYMENT_IN_PROGRESS'): Conflict {
  return new Conflict(code, `Order ${order.id} is being processed (${order.status}); retry in a few seconds.`, [
    { status: order.status, retryAfterSeconds: 2 },
  ]);
}
