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
