/**
 * Orders: statuses, the transitions the workflow may make, and what each transition does to
 * stock. Pure: the repositories and workflow tasks apply these rules in conditional writes.
 */
import { Conflict } from './errors';

export type Money = { amount: number; currency: string };

export const ORDER_STATUSES = [
  'PENDING',
  'REQUIRES_ACTION',
  'PAID',
  'FULFILLED',
  'COMPLETED',
  'PAYMENT_FAILED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type PaymentStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'refunded' | 'canceled';

export interface OrderLine {
  readonly sku: string;
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: Money;
}

export interface Address {
  readonly name: string;
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly region?: string;
  readonly postalCode: string;
  readonly country: string;
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
  };
  readonly fulfillment?: { readonly carrier: string; readonly trackingNumber: string };
  readonly history: readonly { readonly status: OrderStatus; readonly at: string }[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** Where each status may go next. Terminal statuses have no entry. */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['PAID', 'REQUIRES_ACTION', 'PAYMENT_FAILED', 'CANCELLED'],
  REQUIRES_ACTION: ['PAID', 'PAYMENT_FAILED', 'CANCELLED'],
  PAID: ['FULFILLED', 'CANCELLED'],
  FULFILLED: ['COMPLETED'],
  COMPLETED: [],
  PAYMENT_FAILED: [],
  CANCELLED: [],
};

export const canTransition = (from: OrderStatus, to: OrderStatus) => TRANSITIONS[from].includes(to);

/** The statuses from which `to` may be entered: the condition of every status write. */
export const sourcesOf = (to: OrderStatus): OrderStatus[] =>
  ORDER_STATUSES.filter((from) => TRANSITIONS[from].includes(to));

/**
 * The stock move a transition implies, per line: `sell` reserved → sold (payment succeeded),
 * `releaseReservation` reserved → available (payment failed, or cancelled before payment),
 * `returnSold` sold → available (cancelled or refunded after payment, before fulfillment).
 */
export type StockMove = 'sell' | 'releaseReservation' | 'returnSold';

export function stockMoveFor(from: OrderStatus, to: OrderStatus): StockMove | undefined {
  if (to === 'PAID') return 'sell';
  if (to === 'PAYMENT_FAILED') return 'releaseReservation';
  if (to === 'CANCELLED') return from === 'PAID' ? 'returnSold' : 'releaseReservation';
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
export class OrderCancelled extends Conflict {
  override readonly name = 'OrderCancelled';
  constructor(orderId: string) {
    super('ORDER_CANCELLED', `Order ${orderId} was cancelled.`);
  }
}

/** A workflow step found the order in a status it may not leave that way: the execution fails visibly. */
export class InvalidOrderTransition extends Conflict {
  override readonly name = 'InvalidOrderTransition';
  constructor(orderId: string, from: OrderStatus, to: OrderStatus) {
    super('INVALID_ORDER_TRANSITION', `Order ${orderId} is ${from} and cannot become ${to}.`, [{ from, to }]);
  }
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
export function planTransition(order: Pick<Order, 'id' | 'status'>, to: OrderStatus): TransitionPlan {
  if (order.status === to) return { kind: 'noop' };
  if (canTransition(order.status, to)) return { kind: 'apply', from: order.status, to, move: stockMoveFor(order.status, to) };
  if (order.status === 'CANCELLED') throw new OrderCancelled(order.id);
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

/** An order as the API shows it (customer and admin routes): never task tokens or keys. */
export interface OrderView {
  readonly id: string;
  readonly status: OrderStatus;
  readonly items: readonly OrderLine[];
  readonly total: Money;
  readonly shippingAddress: Address;
  readonly payment: { readonly status: PaymentStatus; readonly paymentIntentId: string | null; readonly declineCode?: string };
  readonly fulfillment?: { readonly carrier: string; readonly trackingNumber: string };
  readonly history: readonly { readonly status: OrderStatus; readonly at: string }[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The public view of an order; picks fields explicitly so stored extras (tokens, keys) never leak. */
export function toOrderView(order: Order): OrderView {
  const { id, status, total, shippingAddress, payment, fulfillment, history, createdAt, updatedAt } = order;
  return {
    id,
    status,
    items: order.items.map(({ sku, productId, name, quantity, unitPrice }) => ({ sku, productId, name, quantity, unitPrice })),
    total,
    shippingAddress,
    payment: {
      status: payment.status,
      paymentIntentId: payment.paymentIntentId,
      ...(payment.declineCode ? { declineCode: payment.declineCode } : {}),
    },
    ...(fulfillment ? { fulfillment: { carrier: fulfillment.carrier, trackingNumber: fulfillment.trackingNumber } } : {}),
    history: history.map(({ status: s, at }) => ({ status: s, at })),
    createdAt,
    updatedAt,
  };
}
