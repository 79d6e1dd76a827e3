/**
 * The cart-add use case over the cart repository's holds. Its store round trips, in sequence:
 * the cart (beside the Idempotency-Key lookup), the catalog items of the SKU and of the cart's
 * lines with the SKU's stock layout in one BatchGet, then the one transaction of line, stock and
 * idempotency record. The answer is the cart built from what was read and written, not read again.
 */
import {
  commitHoldOnShard,
  heldLine,
  holdPolicy,
  lineOf,
  listHolds,
  requireBuyable,
} from '../adapters/dynamodb/cart-repository';
import { releaseExpiredHold, releaseExpiredHoldsOfSku } from '../adapters/dynamodb/hold-expiry';
import { idempotencyRecordItem } from '../adapters/dynamodb/idempotency-store';
import { getSkuInfos } from '../adapters/dynamodb/stock-repository';
import { cartView, checkQuantityLimit, isLive, quantityAfterAdd, type CartView, type Hold } from '../domain/cart';
import { InsufficientStock, NotFound, TooManyRequests } from '../domain/errors';
import type { ApiResponse } from '../shared/api-event';
import type { IdempotentWrite } from '../shared/idempotency';

/** Optimistic retries when a line changed between our read and our conditional write. */
const MAX_ATTEMPTS = 8;

export interface CartAdd {
  readonly hold: Hold;
  /** A new line, rather than a grown one. */
  readonly created: boolean;
  /** The cart after the add. */
  readonly cart: CartView;
}

/**
 * POST /cart/items: adds `quantity` to the line (creating it) and holds the extra units, within
 * the tenant's per-customer cap. A grown line keeps the price recorded on it. A lapsed line is
 * released first, so its units go back to available before anyone (this customer too) holds
 * them again: re-adding never extends a hold's lifetime. When stock is short, expired holds of
 * the SKU are released inline once and the add retried. With `idempotency`, the response
 * `respond` makes of the result is stored in the add's own transaction.
 */
export async function addToCart(
  customerId: string,
  sku: string,
  quantity: number,
  now = new Date(),
  idempotency?: { readonly write: IdempotentWrite; readonly respond: (add: CartAdd) => ApiResponse },
): Promise<CartAdd> {
  const policy = holdPolicy();
  let [holds] = await Promise.all([listHolds(customerId), idempotency?.write.firstUse()]);
  const catalog = await getSkuInfos([sku, ...holds.filter((hold) => isLive(hold, now)).map((hold) => hold.sku)], { withLayoutOf: sku });
  const info = catalog.get(sku);
  if (!info) throw new NotFound('SKU', sku);
  let releasedInline = false;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (attempt > 1) holds = await listHolds(customerId);
    const existing = holds.find((hold) => hold.sku === sku);
    if (existing && !isLive(existing, now)) {
      await releaseExpiredHold(existing, now);
      continue;
    }
    if (existing) requireBuyable(existing, info);
    const target = quantityAfterAdd(sku, existing, quantity);
    checkQuantityLimit(sku, existing?.quantity ?? 0, target, policy.maxUnitsPerCustomer);
    const holdOn = (shard: number) => heldLine(customerId, existing ?? lineOf(info), existing, target, now, policy, shard);
    const line = holdOn(existing?.stockShard ?? 0); // the cart shows no shard: the answer is the same whichever one gives the units
    const add: CartAdd = { hold: line, created: !existing, cart: cartView(customerId, [...holds.filter((h) => h.sku !== sku), line], catalog, now) };
    try {
      const commit = await commitHoldOnShard(holdOn, existing, idempotency && idempotencyRecordItem(idempotency.write, idempotency.respond(add)));
      if (commit.outcome === 'committed') {
        idempotency?.write.markRecorded();
        return { ...add, hold: commit.hold };
      }
      if (commit.outcome === 'extra-refused') return idempotency!.write.lostTo();
    } catch (error) {
      if (!(error instanceof InsufficientStock) || releasedInline) throw error;
      releasedInline = true;
      if ((await releaseExpiredHoldsOfSku(sku, now)) === 0) throw error;
    }
  }
  throw new TooManyRequests(1);
}
