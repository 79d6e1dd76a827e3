/**
 * The checkout use case: the cart becomes a PENDING order in one transaction (the adapter's
 * commitCheckout), decided here: which cart is bought, at which prices, what a changed cart or a
 * retry means. Its store round trips, in sequence: the cart (read beside the handler's address
 * and card lookups and the Idempotency-Key lookup), the catalog's prices, the transaction, which
 * also stores the idempotency record; nothing is read back.
 */
import { commitCheckout, MAX_ORDER_LINES, type ReservedLine } from '../adapters/dynamodb/checkout-transaction';
import { getOrder, type OrderRecord } from '../adapters/dynamodb/order-repository';
import { idempotencyRecordItem } from '../adapters/dynamodb/idempotency-store';
import { listHolds, recordLinePrice, releaseHold } from '../adapters/dynamodb/cart-repository';
import { getSkuInfos, getStock } from '../adapters/dynamodb/stock-repository';
import { isLive, PriceChanged, ProductUnavailable, reviewForCheckout, type CheckoutReview, type Hold } from '../domain/cart';
import type { Address } from '../domain/customer';
import { Conflict, TooManyRequests } from '../domain/errors';
import { orderTotal, type Order } from '../domain/order';
import type { ApiResponse } from '../shared/api-event';
import type { IdempotentWrite } from '../shared/idempotency';

/** Re-reads of the cart when it changed between our read and our transaction. */
const CHECKOUT_ATTEMPTS = 5;

/** What the order is shipped to and paid with, resolved by the caller while the cart is read. */
export interface OrderDetails {
  readonly shippingAddress: Address;
  readonly payment: { readonly paymentMethodId: string; readonly stripeCustomerId?: string };
}

export interface CheckoutRequest {
  /** The order id (orderIdFor: from the customer and the Idempotency-Key). */
  readonly id: string;
  readonly customerId: string;
  readonly details: () => Promise<OrderDetails>;
  /** The checkout's request id, which the order's logs and messages carry. */
  readonly correlationId?: string;
  /** The request's key and its answer for a new order, stored in the order's transaction. */
  readonly idempotency?: { readonly write: IdempotentWrite; readonly respond: (order: OrderRecord) => ApiResponse };
}

/**
 * Checkout: for every line either its hold → reservation or, for a line whose hold was swept
 * while we worked, the units taken again from available (409 INSUFFICIENT_STOCK if short).
 *
 * The cart bought is the one GET /cart shows at the first read (live lines only), at the
 * catalog's prices of that moment: a line whose product is gone, or whose price differs from the
 * one recorded on the line, refuses the checkout (see refuseUnbuyable). A line changed or removed
 * by the customer meanwhile restarts with a fresh read. A retry of a checkout that already
 * committed (same order id) returns that order with `created: false`.
 */
export async function placeOrder(request: CheckoutRequest): Promise<{ order: OrderRecord; created: boolean }> {
  const { customerId, idempotency } = request;
  const [details, firstRead] = await Promise.all([request.details(), listHolds(customerId), idempotency?.write.firstUse()]);
  let current = firstRead;
  let snapshot: Hold[] | undefined;
  for (let attempt = 1; attempt <= CHECKOUT_ATTEMPTS; attempt++) {
    const now = new Date();
    if (attempt > 1) current = await listHolds(customerId);
    if (!snapshot) {
      snapshot = current.filter((hold) => isLive(hold, now));
      if (snapshot.length === 0) return { order: await committedOrder(request), created: false };
      if (snapshot.length > MAX_ORDER_LINES) {
        throw new Conflict('CART_TOO_LARGE', `An order holds at most ${MAX_ORDER_LINES} lines; split the cart.`, [
          { lines: snapshot.length, max: MAX_ORDER_LINES },
        ]);
      }
      const review = reviewForCheckout(snapshot, await getSkuInfos(snapshot.map((hold) => hold.sku)));
      if (review.unavailable.length || review.repriced.length) return refuseUnbuyable(request, review);
    }
    const lines = planLines(snapshot, current, now);
    if (!lines) {
      snapshot = undefined; // the customer changed the cart: buy what it holds now
      continue;
    }
    const order = newOrder(request, details, snapshot, now);
    const record = idempotency && idempotencyRecordItem(idempotency.write, idempotency.respond(order));
    const commit = await commitCheckout(order, lines, now, record);
    if (commit.outcome === 'committed') {
      idempotency?.write.markRecorded();
      return { order, created: true };
    }
    if (commit.outcome === 'order-exists') return { order: await committedOrder(request), created: false };
    if (commit.outcome === 'extra-refused') return idempotency!.write.lostTo();
    if (commit.outcome === 'short') throw await insufficientStock(commit.holds);
    // Otherwise a line moved between our read and our write (lapsed, swept or edited): re-plan.
  }
  throw new TooManyRequests(1);
}

/**
 * Refuses a cart that cannot be bought as it stands, after making the refusal's advice true, so
 * the customer's next checkout goes through: lines of products that are gone are released (409
 * PRODUCT_UNAVAILABLE), else the new prices are recorded on their lines (409 PRICE_CHANGED, the
 * customer has now been told). A retry of a checkout that already committed gets its order.
 */
async function refuseUnbuyable(request: CheckoutRequest, review: CheckoutReview): Promise<{ order: OrderRecord; created: false }> {
  const committed = await getOrder(request.id);
  if (committed && committed.customerId === request.customerId) return { order: committed, created: false };
  if (review.unavailable.length) {
    await Promise.all(review.unavailable.map((hold) => releaseHold(hold)));
    const skus = review.unavailable.map((hold) => hold.sku).join(', ');
    throw new ProductUnavailable(review.unavailable, `${skus} can no longer be bought and left the cart; check out again to buy the rest.`);
  }
  await Promise.all(review.repriced.map(({ hold, unitPrice }) => recordLinePrice(hold, unitPrice)));
  throw new PriceChanged(review.repriced);
}

/** Per snapshot line, how to reserve it now; undefined when the customer changed the cart. */
function planLines(snapshot: readonly Hold[], current: readonly Hold[], now: Date): ReservedLine[] | undefined {
  const planned: ReservedLine[] = [];
  for (const hold of snapshot) {
    const line = current.find((h) => h.sku === hold.sku);
    if (line && line.rev === hold.rev) planned.push({ hold: line, from: isLive(line, now) ? 'live-hold' : 'lapsed-hold' });
    else if (!line && !isLive(hold, now)) planned.push({ hold, from: 'stock' });
    else return undefined; // edited, re-added or removed by the customer
  }
  return planned;
}

async function insufficientStock(holds: readonly Hold[]): Promise<Conflict> {
  const details = await Promise.all(
    holds.map(async ({ sku, quantity }) => ({ sku, requested: quantity, available: (await getStock(sku))?.available ?? 0 })),
  );
  const list = details.map((d) => `${d.sku} (${d.available} of ${d.requested})`).join(', ');
  return new Conflict('INSUFFICIENT_STOCK', `The holds on ${list} expired and the stock is no longer there.`, details);
}

/** The order this checkout already committed, or 409 CART_EMPTY when there is none. */
async function committedOrder(request: CheckoutRequest): Promise<OrderRecord> {
  const existing = await getOrder(request.id);
  if (existing && existing.customerId === request.customerId) return existing;
  throw new Conflict('CART_EMPTY', 'The cart is empty; add items before checking out.');
}

function newOrder(request: CheckoutRequest, details: OrderDetails, holds: readonly Hold[], now: Date): Order {
  const items = holds.map(({ sku, productId, name, quantity, unitPrice, stockShard }) => ({
    sku,
    productId,
    name,
    quantity,
    unitPrice,
    ...(stockShard ? { stockShard } : {}), // where the units are, so later moves land there
  }));
  const at = now.toISOString();
  return {
    id: request.id,
    customerId: request.customerId,
    status: 'PENDING',
    items,
    total: orderTotal(items),
    shippingAddress: details.shippingAddress,
    payment: { status: 'pending', paymentIntentId: null, ...details.payment },
    history: [{ status: 'PENDING', at }],
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...(request.correlationId ? { correlationId: request.correlationId } : {}),
  };
}
