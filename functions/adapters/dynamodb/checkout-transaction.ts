/**
 * The checkout transaction, ONE TransactWriteItems across the order and the cart: the order's Put
 * (order-repository.ts, putOrderItem), each line's reservation (cart-repository.ts's hold →
 * reservation items, or stock taken again) and the idempotency record. Apart from
 * order-repository.ts so that the order reads do not bundle the cart's writes and the business
 * metrics they count (`npm run bench:cold`).
 */
import type { Hold } from '../../domain/cart';
import type { Order } from '../../domain/order';
import { stockMoves } from '../../domain/stock';
import { holdToReservationItems, lapsedHoldToReservationItems, lineMovement } from './cart-repository';
import { putOrderItem } from './order-repository';
import { stockMoveUpdate } from './stock-repository';
import { cancellationCodes, transactWrite, type TransactItem } from './table';

/** The checkout transaction: the order, two items per line and the idempotency record, within DynamoDB's 100 items. */
export const MAX_ORDER_LINES = 49;

/** How checkout reserves one cart line (the use case decides, application/checkout.ts). */
export interface ReservedLine {
  readonly hold: Hold;
  /**
   * 'live-hold': the line deleted at its revision while still live, held → reserved;
   * 'lapsed-hold': a lapsed line not yet released, deleted at its revision, held → reserved;
   * 'stock': a line the sweeper released meanwhile, its units taken again, available → reserved.
   */
  readonly from: 'live-hold' | 'lapsed-hold' | 'stock';
}

/** What the checkout transaction came to. */
export type CheckoutCommit =
  | { readonly outcome: 'committed' }
  /** An order with this id exists: this checkout committed before (a retry). */
  | { readonly outcome: 'order-exists' }
  /** The extra item's condition failed (e.g. the idempotency record was taken). */
  | { readonly outcome: 'extra-refused' }
  /** Lines reserved from stock that the stock no longer covers. */
  | { readonly outcome: 'short'; readonly holds: Hold[] }
  /** A line moved between the read and the write (lapsed, swept or edited). */
  | { readonly outcome: 'cart-moved' };

/**
 * The checkout transaction, ONE TransactWriteItems: the order item (attribute_not_exists), every
 * line's reservation, and `extra` last (the idempotency record, stored with the order). Reports
 * which condition failed instead of throwing; other errors are thrown.
 */
export async function commitCheckout(order: Order, lines: readonly ReservedLine[], now: Date, extra?: TransactItem): Promise<CheckoutCommit> {
  const items = lines.map((line) => reservationItems(line, order.id, now));
  try {
    await transactWrite([putOrderItem(order), ...items.flat(), ...(extra ? [extra] : [])]);
    return { outcome: 'committed' };
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes.length === 0) throw error;
    if (codes[0] === 'ConditionalCheckFailed') return { outcome: 'order-exists' };
    if (extra && codes.at(-1) === 'ConditionalCheckFailed') return { outcome: 'extra-refused' };
    let start = 1;
    const failed = items.map((lineItems) => codes.slice(start, (start += lineItems.length)).includes('ConditionalCheckFailed'));
    const short = lines.filter((line, i) => line.from === 'stock' && failed[i]).map((line) => line.hold);
    return short.length ? { outcome: 'short', holds: short } : { outcome: 'cart-moved' };
  }
}

function reservationItems({ hold, from }: ReservedLine, orderId: string, now: Date): TransactItem[] {
  if (from === 'live-hold') return holdToReservationItems(hold, orderId, now);
  if (from === 'lapsed-hold') return lapsedHoldToReservationItems(hold, orderId);
  // Back from the shard its hold was released to (a shard since emptied refuses it: 409 'short').
  return [stockMoveUpdate(hold.sku, stockMoves.reserve(hold.quantity), lineMovement('reservation', hold, orderId), { shard: hold.stockShard })];
}
