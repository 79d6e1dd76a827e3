/**
 * Orders: statuses, the transitions the workflow may make, and what each transition does to
 * stock. Pure: the repositories and workflow tasks apply these rules in conditional writes.
 */
import type * as z from '../shared/zod';
import type { adminOrderViewSchema, orderViewSchema, ownerOrderViewSchema } from '../contract/orders';
import type { Money } from './catalog';
import type { Address } from './customer';
import { Conflict } from './errors';

export const ORDER_STATUSES = [
  'PENDING',
  'REQUIRES_ACTION',
  'PAID',
  'FULFILLED',
  'COMPLETED',
  'PAYMENT_FAILED',
  'CANCELLED',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const PAYMENT_STATUSES = ['pending', 'requires_action', 'succeeded', 'failed', 'refunded', 'canceled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Stripe's `next_action.redirect_to_url`: the bank's challenge page, which returns to the return_url. */
export interface PaymentNextAction {
  readonly type: 'redirect_to_url';
  readonly url: string;
}

export interface OrderLine {
  readonly sku: string;
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  /** The stock shard its units are on (absent: 0); the order's stock moves land there. Never shown. */
  readonly stockShard?: number;
}

export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly items: readonly OrderLine[];
  readonly total: Money;
  readonly shippingAddress: Address;
  readonly payment: {
    readonly status: PaymentStatus;
    readonly paymentIntentId: string | null;
    readonly paymentMethodId: string;
    readonly stripeCustomerId?: string;
    readonly declineCode?: string;
    /** The PaymentIntent's client secret, kept for the owner's 3-D Secure step (Stripe.js takes it). */
    readonly clientSecret?: string;
    /** Where the owner's browser goes for 3-D Secure, when the charge needed it and had a return_url. */
    readonly nextAction?: PaymentNextAction;
  };
  readonly fulfillment?: { readonly carrier: string; readonly trackingNumber: string };
  /** Set once the workflow gave up on the order (see {@link OrderAttention}). */
  readonly attention?: OrderAttention;
  /** A refund after fulfillment (a return): REFUNDED, and whether the units went back on the shelf. */
  readonly refund?: OrderRefund;
  readonly history: readonly { readonly status: OrderStatus; readonly at: string }[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  /** The request id (x-request-id) of the checkout that placed it: what its logs, messages and payment carry. */
  readonly correlationId?: string;
}

/**
 * A workflow step failed past its retries: the execution ended (FAILED, which raises the alarm)
 * and the order stays where it was, in the merchant's hands. From then on every action on the
 * order (ship, deliver, cancel, refund) applies directly instead of through the workflow.
 */
export interface OrderAttention {
  /** The state that failed, e.g. `Await fulfillment`. */
  readonly step: string;
  /** The error name Step Functions reported, e.g. `InvalidParameterValue`. */
  readonly error: string;
  /** Its message (staff only: it may name internals). */
  readonly cause?: string;
  readonly at: string;
  /** When an action moved the order on after the failure. */
  readonly resolvedAt?: string;
}

export interface OrderRefund {
  readonly at: string;
  readonly restock: boolean;
  readonly refundId?: string;
}

/** Where each status may go next. Terminal statuses have no entry. */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['PAID', 'REQUIRES_ACTION', 'PAYMENT_FAILED', 'CANCELLED'],
  REQUIRES_ACTION: ['PAID', 'PAYMENT_FAILED', 'CANCELLED'],
  PAID: ['FULFILLED', 'CANCELLED'],
  FULFILLED: ['COMPLETED', 'REFUNDED'],
  COMPLETED: ['REFUNDED'],
  PAYMENT_FAILED: [],
  CANCELLED: [],
  REFUNDED: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus) => TRANSITIONS[from].includes(to);

/** The statuses from which `to` may be entered: the condition of every status write. */
export const sourcesOf = (to: OrderStatus): OrderStatus[] =>
  ORDER_STATUSES.filter((from) => TRANSITIONS[from].includes(to));

/**
 * The stock move a transition implies, per line: `sell` reserved → sold (payment succeeded),
 * `releaseReservation` reserved → available (payment failed, or cancelled before payment),
 * `returnSold` sold → available (cancelled or refunded after payment, before fulfillment; or a
 * return after fulfillment that the merchant restocks: the goods left, so only on `restock`).
 */
export type StockMove = 'sell' | 'releaseReservation' | 'returnSold';

export function stockMoveFor(from: OrderStatus, to: OrderStatus, options: { restock?: boolean } = {}): StockMove | undefined {
  if (to === 'PAID') return 'sell';
  if (to === 'PAYMENT_FAILED') return 'releaseReservation';
  if (to === 'CANCELLED') return from === 'PAID' ? 'returnSold' : 'releaseReservation';
  if (to === 'REFUNDED') return options.restock ? 'returnSold' : undefined;
  return undefined;
}

/** Cancellation is allowed until the merchant ships. */
export function assertCancellable(order: Pick<Order, 'id' | 'status'>): void {
  if (!canTransition(order.status, 'CANCELLED')) {
    throw new Conflict('ORDER_NOT_CANCELLABLE', `Order ${order.id} is ${order.status} and can no longer be cancelled.`);
  }
}

export function orderTotal(items: readonly Pick<OrderLine, 'quantity' | 'unitPrice'>[]): Money {
  const currencies = new Set(items.map((i) => i.unitPrice.currency));
  if (currencies.size > 1) throw new Conflict('MIXED_CURRENCIES', 'All items of an order must share one currency.');
  const currency = items[0]?.unitPrice.currency ?? 'USD';
  return { amount: items.reduce((sum, i) => sum + i.quantity * i.unitPrice.amount, 0), currency };
}

/**
 * The callbacks the order workflow waits on; each task token is kept on the order under
 * `tokens.<kind>` so the HTTP side can resume (or fail) the waiting execution.
 */
export type TaskTokenKind = 'authentication' | 'fulfillment' | 'delivery';

/** The status each wait belongs to: a token is only recorded (and only useful) while the order is there. */
export const WAITING_STATUS: Record<TaskTokenKind, readonly OrderStatus[]> = {
  authentication: ['PENDING', 'REQUIRES_ACTION'],
  fulfillment: ['PAID'],
  delivery: ['FULFILLED'],
};

/** The tokens a transition uses up: once the order has left the wait, its token must not be used again. */
export function tokensConsumedBy(to: OrderStatus): TaskTokenKind[] {
  switch (to) {
    case 'PAID':
    case 'PAYMENT_FAILED':
      return ['authentication'];
    case 'CANCELLED':
      return ['authentication', 'fulfillment'];
    case 'FULFILLED':
      return ['fulfillment'];
    case 'COMPLETED':
    case 'REFUNDED':
      return ['delivery'];
    default:
      return [];
  }
}

/**
 * The order was cancelled (or refunded) while the workflow was elsewhere. The name is the
 * Step Functions error the workflow catches, the same one the HTTP side sends with
 * SendTaskFailure, so it is fixed here rather than left to the class name (bundlers rename).
 */
/** A wait's task token that an action relies on, still on the order. */
export interface HeldToken {
  readonly kind: TaskTokenKind;
  readonly token: string;
}

/** The kind of wait `token` serves on the order, if the order still holds it. */
export function heldToken(order: RoutableOrder, token: string): HeldToken | undefined {
  const kind = (Object.keys(order.tokens ?? {}) as TaskTokenKind[]).find((k) => order.tokens?.[k] === token);
  return kind && { kind, token };
}

/**
 * Another action took the wait's token first (the token on the order is the lock between, say,
 * a cancel failing the fulfillment wait and a shipment resuming it): decide again on a fresh read.
 */
export class TokenTaken extends Conflict {
  override readonly name = 'TokenTaken';
  constructor(orderId: string) {
    super('ORDER_BUSY', `Order ${orderId} is being processed; retry in a few seconds.`, [{ retryAfterSeconds: 2 }]);
  }
}

export class OrderCancelled extends Conflict {
  override readonly name = 'OrderCancelled';
  constructor(orderId: string) {
    super('ORDER_CANCELLED', `Order ${orderId} was cancelled.`);
  }
}

/**
 * The order was refunded after it shipped (REFUNDED) while the workflow still waited for the
 * delivery; the same name the HTTP side sends with SendTaskFailure, which ends the workflow.
 */
export class OrderRefunded extends Conflict {
  override readonly name = 'OrderRefunded';
  constructor(orderId: string) {
    super('ORDER_REFUNDED', `Order ${orderId} was refunded.`);
  }
}

/** A workflow step found the order in a status it may not leave that way: the execution fails visibly. */
export class InvalidOrderTransition extends Conflict {
  override readonly name = 'InvalidOrderTransition';
  constructor(orderId: string, from: OrderStatus, to: OrderStatus) {
    super('INVALID_ORDER_TRANSITION', `Order ${orderId} is ${from} and cannot become ${to}.`, [{ from, to }]);
  }
}

/** The errors a waiting step can be failed with; the state machine catches exactly these. */
export type WaitFailure = 'OrderCancelled' | 'OrderRefunded';

/**
 * How Pay reports a charge that did not go through on its own token (the workflow routes on the
 * name, as a Choice would, with no Lambda error for an ordinary decline).
 */
export type PaymentReport = 'PaymentRequiresAction' | 'PaymentFailed';

/**
 * What a customer (cancel), the merchant (fulfill, deliver, refund) or Stripe (settle: the
 * outcome of the customer's 3-D Secure step arrived) asks of a placed order.
 */
export type OrderAction = 'fulfill' | 'deliver' | 'cancel' | 'refund' | 'settle';

/**
 * How an action reaches the order:
 * - `token`: the execution waits on `token`; resume it (`succeed`) or fail it with a
 *   WaitFailure, and the workflow applies the action;
 * - `direct`: no execution drives the order any more (the workflow gave up on it, see
 *   OrderAttention), or the action lies past the workflow (a refund after shipping): apply it
 *   here, with the same transitions. `endWait`: a wait to fail afterwards, so the execution
 *   stops waiting for what can no longer come;
 * - `workflow`: the execution has not recorded the wait yet. Busy (`busyCode`) while it runs;
 *   once it has ended, nothing else will move the order, so apply the action directly.
 */
export type ActionRoute =
  | { readonly via: 'token'; readonly token: string; readonly signal: 'succeed' | WaitFailure }
  | { readonly via: 'direct'; readonly endWait?: string }
  | { readonly via: 'workflow'; readonly busyCode: 'ORDER_BUSY' | 'PAYMENT_IN_PROGRESS' };

/** The order as the routing decision reads it. */
export type RoutableOrder = Pick<Order, 'id' | 'status' | 'payment' | 'attention'> & {
  readonly tokens?: Partial<Record<TaskTokenKind, string>>;
};

/**
 * Which wait (task token) serves `action` on `order`, or whether it applies directly: the one
 * place that decides it. Throws the 409 the action gets in a status it does not apply to.
 */
export function routeOrderAction(order: RoutableOrder, action: OrderAction): ActionRoute {
  const wait = waitFor(order, action);
  if (wait === 'past-workflow') return { via: 'direct', ...(order.tokens?.delivery ? { endWait: order.tokens.delivery } : {}) };
  if (order.attention) return { via: 'direct' };
  const token = order.tokens?.[wait.kind];
  if (token) return { via: 'token', token, signal: wait.signal };
  return { via: 'workflow', busyCode: wait.kind === 'authentication' ? 'PAYMENT_IN_PROGRESS' : 'ORDER_BUSY' };
}

type Wait = { readonly kind: TaskTokenKind; readonly signal: 'succeed' | WaitFailure } | 'past-workflow';

function waitFor(order: RoutableOrder, action: OrderAction): Wait {
  const { id, status } = order;
  switch (action) {
    case 'fulfill':
      if (status !== 'PAID') throw new Conflict('ORDER_NOT_FULFILLABLE', `Order ${id} is ${status}; only PAID orders can be shipped.`, [{ status }]);
      return { kind: 'fulfillment', signal: 'succeed' };
    case 'deliver':
      if (status !== 'FULFILLED') throw new Conflict('ORDER_NOT_DELIVERABLE', `Order ${id} is ${status}; only FULFILLED orders can be delivered.`, [{ status }]);
      return { kind: 'delivery', signal: 'succeed' };
    case 'cancel':
      assertCancellable(order);
      return { kind: status === 'PAID' ? 'fulfillment' : 'authentication', signal: 'OrderCancelled' };
    case 'refund':
      return refundWait(order);
    case 'settle':
      if (!WAITING_STATUS.authentication.includes(status)) {
        throw new Conflict('PAYMENT_ALREADY_SETTLED', `Order ${id} is ${status}; its payment has an outcome already.`, [{ status }]);
      }
      return { kind: 'authentication', signal: 'succeed' };
  }
}

/**
 * Before shipping, a refund cancels the order through its workflow (CANCELLED, the stock back);
 * after shipping it is a return (REFUNDED), past the workflow. An unpaid order has nothing to
 * refund, unless the workflow gave up on it, when the charge may have gone through.
 */
function refundWait(order: RoutableOrder): Wait {
  const { id, status, payment } = order;
  if (status === 'REFUNDED' || payment.status === 'refunded') {
    throw new Conflict('ALREADY_REFUNDED', `The payment of order ${id} was already refunded.`);
  }
  if ((status === 'FULFILLED' || status === 'COMPLETED') && payment.status === 'succeeded') return 'past-workflow';
  if (status === 'PAID' || (order.attention && canTransition(status, 'CANCELLED'))) {
    return { kind: status === 'PAID' ? 'fulfillment' : 'authentication', signal: 'OrderRefunded' };
  }
  throw new Conflict('ORDER_NOT_REFUNDABLE', `Order ${id} is ${status} with no payment to refund.`, [{ status }]);
}

/** What writing status `to` means for an order now in `from`. */
export type TransitionPlan =
  | { readonly kind: 'noop' }
  | { readonly kind: 'apply'; readonly from: OrderStatus; readonly to: OrderStatus; readonly move: StockMove | undefined };

/**
 * The rule every workflow step applies: already in `to` is a no-op (a retry, or a re-run after
 * a restart); a legal source applies the transition with its stock move; anything else throws:
 * OrderCancelled when the order was cancelled underneath the workflow, else InvalidOrderTransition.
 */
export function planTransition(
  order: Pick<Order, 'id' | 'status'>,
  to: OrderStatus,
  options: { restock?: boolean } = {},
): TransitionPlan {
  if (order.status === to) return { kind: 'noop' };
  if (canTransition(order.status, to)) return { kind: 'apply', from: order.status, to, move: stockMoveFor(order.status, to, options) };
  if (order.status === 'CANCELLED') throw new OrderCancelled(order.id);
  if (order.status === 'REFUNDED') throw new OrderRefunded(order.id);
  throw new InvalidOrderTransition(order.id, order.status, to);
}

/**
 * The quantity per SKU of an order's lines. One transaction may touch an item only once, so
 * two lines of the same SKU become one stock update.
 */
export function quantitiesBySku(items: readonly Pick<OrderLine, 'sku' | 'quantity'>[]): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const { sku, quantity } of items) quantities.set(sku, (quantities.get(sku) ?? 0) + quantity);
  return quantities;
}

/**
 * The quantity per (SKU, stock shard) of an order's lines: one transaction may touch an item only
 * once, so lines on the same shard record become one stock update.
 */
export function quantitiesByStockShard(items: readonly Pick<OrderLine, 'sku' | 'quantity' | 'stockShard'>[]) {
  const lines = new Map<string, { sku: string; shard: number; quantity: number }>();
  for (const { sku, quantity, stockShard: shard = 0 } of items) {
    const line = lines.get(`${sku}#${shard}`);
    lines.set(`${sku}#${shard}`, { sku, shard, quantity: (line?.quantity ?? 0) + quantity });
  }
  return [...lines.values()];
}

/** An order as the API shows it (customer routes), and the merchant's view: never task tokens or keys. */
export type OrderView = z.output<typeof orderViewSchema>;
export type OwnerOrderView = z.output<typeof ownerOrderViewSchema>;
export type AdminOrderView = z.output<typeof adminOrderViewSchema>;

/** The view of an order anyone entitled to it may see (staff included); picks fields explicitly so stored extras (tokens, keys, the client secret) never leak. */
export function toOrderView(order: Order): OrderView {
  const { id, status, total, shippingAddress, payment, fulfillment, attention, refund, history, createdAt, updatedAt } = order;
  return {
    id,
    status,
    items: order.items.map(({ sku, productId, name, quantity, unitPrice }) => ({ sku, productId, name, quantity, unitPrice })),
    total,
    shippingAddress,
    payment: {
      status: payment.status,
      paymentIntentId: payment.paymentIntentId ?? null, // an order whose intent id was never saved has none stored
      ...(payment.declineCode ? { declineCode: payment.declineCode } : {}),
    },
    ...(fulfillment ? { fulfillment: { carrier: fulfillment.carrier, trackingNumber: fulfillment.trackingNumber } } : {}),
    ...(attention
      ? { attention: { step: attention.step, error: attention.error, at: attention.at, ...(attention.resolvedAt ? { resolvedAt: attention.resolvedAt } : {}) } }
      : {}),
    ...(refund ? { refund: { at: refund.at, restock: refund.restock } } : {}),
    history: history.map(({ status: s, at }) => ({ status: s, at })),
    createdAt,
    updatedAt,
  };
}

/**
 * The order as its customer sees it: the public view, plus what a client needs to finish 3-D
 * Secure while the order waits for it (the redirect and the PaymentIntent's client secret, which
 * lets whoever holds it confirm the payment, so no other view ever shows it).
 */
export function toOwnerOrderView(order: Order): OwnerOrderView {
  const view = toOrderView(order);
  const { clientSecret, nextAction } = order.payment;
  if (order.status !== 'REQUIRES_ACTION' || !clientSecret) return view;
  return {
    ...view,
    payment: {
      ...view.payment,
      clientSecret,
      ...(nextAction ? { nextAction: { type: nextAction.type, url: nextAction.url } } : {}),
    },
  };
}

/** The merchant's view of an order: the public view plus who ordered, why the workflow gave up and the id its logs carry. */
export function toAdminOrderView(order: Order): AdminOrderView {
  const view = toOrderView(order);
  return {
    ...view,
    customerId: order.customerId,
    ...(order.correlationId ? { correlationId: order.correlationId } : {}),
    ...(view.attention && order.attention?.cause ? { attention: { ...view.attention, cause: order.attention.cause } } : {}),
  };
}
