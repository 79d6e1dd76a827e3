/**
 * The order workflow's writes to the order item (orderKeys.order) and the stock it moves. Every
 * status change is ONE TransactWriteItems: the order update, conditioned on the status it was
 * read in, plus the stock move of that transition (functions/domain/order.ts, stockMoveFor) for
 * every SKU of the order. So the status and the stock never disagree, and a retried or re-run
 * step either finds the order already there (a no-op) or applies the change exactly once.
 *
 * The order item is written by checkout (order-repository.ts) with the Order fields at the top
 * level; the workflow adds `tokens.<kind>` (task tokens, never returned by the API),
 * `payment.paymentIntentId`, `attention` when it gives up on the order and, per transition,
 * `history`, `version` and the gsi2 status keys.
 */
import {
  planTransition,
  quantitiesByStockShard,
  tokensConsumedBy,
  WAITING_STATUS,
  type Order,
  type OrderAttention,
  type OrderStatus,
  type StockMove as OrderStockMove,
  type TaskTokenKind,
  TokenTaken,
  type HeldToken,
} from '../../domain/order';
import { StockMoveRefused, stockMoves } from '../../domain/stock';
import { countOrderTransition } from '../../shared/business-events';
import type { StockMovement } from '../../domain/stock-ledger';
import { orderKeys } from './keys';
import { requireOrder, type OrderRecord } from './order-repository';
import { stockMoveUpdate } from './stock-repository';
import { cancellationCodes, entityTag, isConditionFailure, transactWrite, updateItem, type TransactItem } from './table';

/** Fields a transition may set besides the status; `payment` is merged field by field. */
export interface TransitionPatch {
  readonly payment?: Partial<Order['payment']>;
  readonly fulfillment?: Order['fulfillment'];
  readonly cancellation?: OrderRecord['cancellation'];
  readonly failure?: OrderRecord['failure'];
  readonly refund?: Order['refund'];
}

/** Choices of a transition that change its stock move (domain/order.ts, stockMoveFor). */
export interface TransitionOptions {
  /** A return (REFUNDED) puts the sold units back on the shelf. */
  readonly restock?: boolean;
  /** Only while the order still holds this wait's token (the write consumes it); else TokenTaken. */
  readonly whileToken?: HeldToken;
}

/** The ledger's name for the stock move of a transition into each status (those that move none never use theirs). */
const ORDER_MOVEMENTS: Record<OrderStatus, StockMovement['kind']> = {
  PENDING: 'reservation',
  REQUIRES_ACTION: 'reservation',
  PAID: 'sale',
  FULFILLED: 'sale',
  COMPLETED: 'sale',
  PAYMENT_FAILED: 'payment-failure',
  CANCELLED: 'cancellation',
  REFUNDED: 'refund-restock',
};

/** A transaction holds at most 100 items: the order and one per SKU. Checkout caps lines well below. */
const MAX_SKUS_PER_ORDER = 99;
/** Re-reads after losing a race on the order's status before the step gives up (and is retried). */
const RACE_ATTEMPTS = 3;

/**
 * Moves the order to `to` with the stock move the transition implies, in one transaction.
 * Already in `to`: a no-op that returns the order as it is. A status from which `to` may not be
 * entered throws OrderCancelled / OrderRefunded / InvalidOrderTransition (domain/order.ts,
 * planTransition). Used by the workflow's steps and, once the workflow has given up on an order,
 * by the HTTP actions directly.
 */
export async function transitionOrder(
  orderId: string,
  to: OrderStatus,
  patch: TransitionPatch = {},
  options: TransitionOptions = {},
): Promise<OrderRecord> {
  for (let attempt = 1; ; attempt++) {
    const order = await requireOrder(orderId);
    if (options.whileToken && order.tokens?.[options.whileToken.kind] !== options.whileToken.token) throw new TokenTaken(orderId);
    const plan = planTransition(order, to, options);
    if (plan.kind === 'noop') return order;
    const now = new Date().toISOString();
    const lines = quantitiesByStockShard(plan.move ? order.items : []);
    if (lines.length > MAX_SKUS_PER_ORDER) throw new Error(`Order ${orderId} has more than ${MAX_SKUS_PER_ORDER} SKUs`);
    const movement = { kind: ORDER_MOVEMENTS[to], cause: { orderId } } as const;
    const stockItems = lines.map(({ sku, shard, quantity }) => stockMoveUpdate(sku, stockMoves[plan.move!](quantity), movement, { shard }));
    try {
      await transactWrite([orderUpdate(order, plan.from, to, patch, now, options.whileToken), ...stockItems]);
      countOrderTransition(to, patch.payment?.status, order.correlationId);
      return applied(order, to, patch, now);
    } catch (error) {
      const [orderCode, ...stockCodes] = cancellationCodes(error);
      // The status changed between our read and our write (whoever changed it moved the stock
      // too): read again and re-plan.
      if (orderCode === 'ConditionalCheckFailed') {
        if (attempt < RACE_ATTEMPTS) continue;
        throw error;
      }
      const refused = stockCodes.findIndex((code) => code === 'ConditionalCheckFailed');
      if (refused >= 0) throw stockRefusal(lines[refused]!.sku, plan.move!, lines[refused]!.quantity);
      throw error;
    }
  }
}

/**
 * The workflow gave up on the order (a step failed past its retries): keeps what failed on the
 * order and drops its task tokens, which died with the execution, so every later action applies
 * directly (domain/order.ts, routeOrderAction). The status and the stock stay as they are.
 */
export async function recordAttention(orderId: string, attention: OrderAttention): Promise<void> {
  const names = { '#attention': 'attention', '#tokens': 'tokens', '#updatedAt': 'updatedAt', '#version': 'version' };
  await updateItem({
    Key: orderKeys.order(orderId),
    UpdateExpression: 'SET #attention = :attention, #updatedAt = :now ADD #version :one REMOVE #tokens',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':attention': attention, ':now': attention.at, ':one': 1 },
  });
}

/**
 * Takes the wait's token off the order, if it is still there: the action that takes it is the
 * one that signals the wait (see TransitionOptions.whileToken for the actions that write first).
 */
export async function takeTaskToken({ kind, token }: HeldToken, orderId: string): Promise<boolean> {
  try {
    await updateItem({
      Key: orderKeys.order(orderId),
      UpdateExpression: 'REMOVE #tokens.#kind SET #updatedAt = :now ADD #version :one',
      ConditionExpression: '#tokens.#kind = :token',
      ExpressionAttributeNames: { '#tokens': 'tokens', '#kind': kind, '#updatedAt': 'updatedAt', '#version': 'version' },
      ExpressionAttributeValues: { ':token': token, ':now': new Date().toISOString(), ':one': 1 },
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Records the token of a wait on the order while the order is in that wait's status
 * (WAITING_STATUS) and the workflow has not given up on it (`attention`: a late fulfillment
 * request, say, whose wait timed out). Returns false, writing nothing, when the order has moved on.
 */
export async function recordTaskToken(orderId: string, kind: TaskTokenKind, taskToken: string): Promise<boolean> {
  const statuses = WAITING_STATUS[kind];
  const names = { '#status': 'status', '#tokens': 'tokens', '#kind': kind, '#updatedAt': 'updatedAt', '#attention': 'attention' };
  const values = { ...Object.fromEntries(statuses.map((s, i) => [`:s${i}`, s])), ':now': new Date().toISOString() };
  const inStatus = `#status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})`;
  // A nested SET needs the `tokens` map to exist, so the first token creates the map instead.
  const attempts = [
    { set: '#tokens.#kind = :token', exists: 'attribute_exists(#tokens)', value: taskToken },
    { set: '#tokens = :token', exists: 'attribute_not_exists(#tokens)', value: { [kind]: taskToken } },
  ];
  for (const { set, exists, value } of attempts) {
    try {
      await updateItem({
        Key: orderKeys.order(orderId),
        UpdateExpression: `SET ${set}, #updatedAt = :now`,
        ConditionExpression: `attribute_exists(pk) AND ${inStatus} AND attribute_not_exists(#attention) AND ${exists}`,
        ExpressionAttributeNames: set.includes('#kind') ? names : omit(names, '#kind'),
        ExpressionAttributeValues: { ...values, ':token': value },
      });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  const order = await requireOrder(orderId); // NotFound for an unknown order
  if (!statuses.includes(order.status) || order.attention) return false;
  throw new Error(`Could not record the ${kind} token on order ${orderId}`); // a race on `tokens`: retried
}

/**
 * Keeps the PaymentIntent of the order's charge: its id on the order, and the link item that
 * resolves the PaymentIntent back to the order (Stripe webhooks name only the PaymentIntent).
 * `authentication`: the charge waits for 3-D Secure; its client secret and redirect go on the
 * order for the owner's view.
 */
export async function savePaymentIntent(
  orderId: string,
  paymentIntentId: string,
  authentication?: Required<Pick<Order['payment'], 'clientSecret'>> & Pick<Order['payment'], 'nextAction'>,
): Promise<void> {
  const now = new Date().toISOString();
  const names: Record<string, string> = { '#payment': 'payment', '#pi': 'paymentIntentId', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':pi': paymentIntentId, ':now': now };
  const sets = ['#payment.#pi = :pi', '#updatedAt = :now'];
  for (const [field, value] of Object.entries(authentication ?? {})) {
    names[`#p_${field}`] = field;
    values[`:p_${field}`] = value;
    sets.push(`#payment.#p_${field} = :p_${field}`);
  }
  await transactWrite([
    {
      Update: {
        Key: orderKeys.order(orderId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    {
      Put: {
        Item: { ...orderKeys.paymentIntentLink(paymentIntentId), ...entityTag('PAYMENT_INTENT_LINK'), orderId, paymentIntentId, createdAt: now },
      },
    },
  ]);
}

function orderUpdate(order: OrderRecord, from: OrderStatus, to: OrderStatus, patch: TransitionPatch, now: string, whileToken?: HeldToken): TransactItem {
  const names: Record<string, string> = {
    '#status': 'status',
    '#history': 'history',
    '#version': 'version',
    '#updatedAt': 'updatedAt',
  };
  const values: Record<string, unknown> = {
    ':from': from,
    ':to': to,
    ':entry': [{ status: to, at: now }],
    ':empty': [],
    ':now': now,
    ':one': 1,
  };
  const sets = [
    '#status = :to',
    '#history = list_append(if_not_exists(#history, :empty), :entry)',
    '#updatedAt = :now',
  ];
  for (const [attribute, value] of Object.entries(orderKeys.statusIndex(to, order.createdAt, order.id))) {
    names[`#${attribute}`] = attribute; // the status index entry moves with the status
    values[`:${attribute}`] = value;
    sets.push(`#${attribute} = :${attribute}`);
  }
  for (const [field, value] of Object.entries(patch.payment ?? {})) {
    names['#payment'] = 'payment';
    names[`#p_${field}`] = field;
    values[`:p_${field}`] = value;
    sets.push(`#payment.#p_${field} = :p_${field}`);
  }
  if (order.attention && !order.attention.resolvedAt) {
    names['#attention'] = 'attention';
    names['#resolvedAt'] = 'resolvedAt';
    sets.push('#attention.#resolvedAt = :now');
  }
  for (const field of ['fulfillment', 'cancellation', 'failure', 'refund'] as const) {
    if (patch[field] === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = patch[field];
    sets.push(`#${field} = :${field}`);
  }
  const removes = tokensConsumedBy(to)
    .filter((kind) => order.tokens?.[kind] !== undefined)
    .map((kind) => {
      names['#tokens'] = 'tokens';
      names[`#t_${kind}`] = kind;
      return `#tokens.#t_${kind}`;
    });
  const conditions = ['#status = :from'];
  if (whileToken) {
    names['#tokens'] = 'tokens';
    names['#held'] = whileToken.kind;
    values[':held'] = whileToken.token;
    conditions.push('#tokens.#held = :held');
  }
  return {
    Update: {
      Key: orderKeys.order(order.id),
      UpdateExpression: `SET ${sets.join(', ')} ADD #version :one${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The order as the transaction left it (what a step returns without reading it again). */
function applied(order: OrderRecord, to: OrderStatus, patch: TransitionPatch, now: string): OrderRecord {
  const tokens = { ...order.tokens };
  for (const kind of tokensConsumedBy(to)) delete tokens[kind];
  return {
    ...order,
    ...(patch.fulfillment ? { fulfillment: patch.fulfillment } : {}),
    ...(patch.cancellation ? { cancellation: patch.cancellation } : {}),
    ...(patch.failure ? { failure: patch.failure } : {}),
    ...(patch.refund ? { refund: patch.refund } : {}),
    ...(order.attention && !order.attention.resolvedAt ? { attention: { ...order.attention, resolvedAt: now } } : {}),
    status: to,
    payment: { ...order.payment, ...patch.payment },
    history: [...(order.history ?? []), { status: to, at: now }],
    updatedAt: now,
    version: (order.version ?? 0) + 1,
    tokens,
  };
}

/** A refused stock move means the stock record disagrees with the order: fail the step visibly. */
function stockRefusal(sku: string, move: OrderStockMove, quantity: number): StockMoveRefused {
  const delta = stockMoves[move](quantity);
  const field = (Object.keys(delta) as (keyof typeof delta)[]).find((f) => (delta[f] ?? 0) < 0)!;
  return new StockMoveRefused(sku, field, delta);
}

function omit(record: Record<string, string>, key: string): Record<string, string> {
  const { [key]: _omitted, ...rest } = record;
  return rest;
}
