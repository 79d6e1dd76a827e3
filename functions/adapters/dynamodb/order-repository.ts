/**
 * Orders in the single table (keys and access patterns: keys.ts, `orderKeys`). The whole order
 * is one item, so a read is one GetItem and every status write is one conditional update (the
 * workflow's transitions live in order-transitions.ts). This file owns the order's creation, its
 * reads and lists, the PaymentIntent → order lookup, and the once-only bookkeeping of Stripe
 * webhook events.
 *
 * | operation                       | how                                                              |
 * |---------------------------------|------------------------------------------------------------------|
 * | create (checkout)               | Put ORDER#<id>/ORDER, attribute_not_exists, inside the checkout transaction |
 * | get by id                       | GetItem (consistent: the customer just acted on it)              |
 * | a customer's orders, newest 1st | Query gsi1 CUSTOMER#<sub>#ORDERS, ScanIndexForward false         |
 * | the store's orders by status    | Query gsi2 ORDER_STATUS#<status>, newest first                   |
 * | all of the store's orders       | Query gsi3 ORDERS, newest first                                  |
 * | order of a PaymentIntent        | GetItem PAYMENT_INTENT#<pi>/ORDER → orderId, then the order      |
 * | a Stripe event, once            | once.ts's claim/complete/release on STRIPE_EVENT#<id>/EVENT      |
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createHash } from 'node:crypto';
import { isLive, PriceChanged, ProductUnavailable, reviewForCheckout, type CheckoutReview, type Hold } from '../../domain/cart';
import { Conflict, NotFound, TooManyRequests, ValidationFailed } from '../../domain/errors';
import type { Address } from '../../domain/customer';
import { orderTotal, type Order, type OrderStatus, type TaskTokenKind } from '../../domain/order';
import { stockMoves } from '../../domain/stock';
import { holdToReservationItems, lapsedHoldToReservationItems, listHolds, recordLinePrice, releaseHold } from './cart-repository';
import { orderKeys, type IndexPartition } from './keys';
import { claim, complete, release, type Claim } from './once';
import { getSkuInfos, getStock, stockMoveUpdate } from './stock-repository';
import {
  cancellationCodes,
  entityTag,
  getItem,
  isEntity,
  keyAttributes,
  queryIndex,
  transactWrite,
  type TransactItem,
} from './table';
import type { Page } from '../../domain/page';

/**
 * An order as stored, the one type of the order item: the domain order plus what the workflow
 * writes on it (order-transitions.ts): the task tokens of its waits (never shown to clients) and
 * why it cancelled or failed.
 */
export type OrderRecord = Order & {
  readonly tokens?: Partial<Record<TaskTokenKind, string>>;
  readonly cancellation?: { readonly reason: string; readonly cause?: string };
  /** Why the payment path failed when it was not a decline (e.g. the charge kept erroring). */
  readonly failure?: { readonly reason: string; readonly cause?: string };
};

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

const ORDER_ID = /^ord_[0-9a-f]{24}$/;
/** The checkout transaction: the order plus two items per line, within DynamoDB's 100 items. */
export const MAX_ORDER_LINES = 49;
/** Re-reads of the cart when it changed between our read and our transaction. */
const CHECKOUT_ATTEMPTS = 5;
/** How long a processed Stripe event id is remembered: Stripe retries a webhook for up to 3 days. */
const STRIPE_EVENT_RETENTION_SECONDS = 30 * 24 * 3600;
/** How long a claimed event blocks a redelivery before the first attempt is presumed crashed. */
const STRIPE_EVENT_LOCK_SECONDS = 120;

/**
 * The order id for one checkout: derived from the customer and the Idempotency-Key, so a retry
 * of a checkout that committed but never answered finds its order instead of creating another.
 */
export function orderIdFor(customerId: string, idempotencyKey: string): string {
  return `ord_${createHash('sha256').update(`${customerId}\n${idempotencyKey}`).digest('hex').slice(0, 24)}`;
}

/** The order item with its keys and the three index entries. */
export function orderItem(order: Order): Record<string, unknown> {
  return {
    ...orderKeys.order(order.id),
    ...orderKeys.customerIndex(order.customerId, order.createdAt, order.id),
    ...orderKeys.statusIndex(order.status, order.createdAt, order.id),
    ...orderKeys.allIndex(order.createdAt, order.id),
    ...entityTag('ORDER'),
    ...order,
  };
}

/** The checkout transaction's order item: a Put that fails if the order id exists already. */
export function putOrderItem(order: Order): TransactItem {
  return {
    Put: { Item: orderItem(order), ConditionExpression: 'attribute_not_exists(pk)' },
  };
}

/** True when a stream image or stored item is an order (and not another entity of the table). */
/** What checkout knows before it reads the cart. */
export interface OrderDraft {
  readonly id: string;
  readonly customerId: string;
  readonly shippingAddress: Address;
  readonly payment: { readonly paymentMethodId: string; readonly stripeCustomerId?: string };
}

/**
 * Checkout: turns the cart into a PENDING order in ONE TransactWriteItems — the order item
 * (attribute_not_exists), and for every line either its hold → reservation (the line deleted at
 * the revision read, held → reserved) or, for a line whose hold was swept while we worked,
 * the units taken again from available (available → reserved, 409 INSUFFICIENT_STOCK if short).
 *
 * The cart bought is the one GET /cart shows at the first read (live lines only), at the
 * catalog's prices of that moment: a line whose product is gone, or whose price differs from the
 * one recorded on the line, refuses the checkout (see refuseUnbuyable). A line changed or removed
 * by the customer meanwhile restarts with a fresh read. A retry of a checkout that already
 * committed (same order id) returns that order with `created: false`.
 */
export async function placeOrder(draft: OrderDraft): Promise<{ order: OrderRecord; created: boolean }> {
  let snapshot: Hold[] | undefined;
  for (let attempt = 1; attempt <= CHECKOUT_ATTEMPTS; attempt++) {
    const now = new Date();
    const current = await listHolds(draft.customerId);
    if (!snapshot) {
      snapshot = current.filter((hold) => isLive(hold, now));
      if (snapshot.length === 0) return { order: await committedOrder(draft), created: false };
      if (snapshot.length > MAX_ORDER_LINES) {
        throw new Conflict('CART_TOO_LARGE', `An order holds at most ${MAX_ORDER_LINES} lines; split the cart.`, [
          { lines: snapshot.length, max: MAX_ORDER_LINES },
        ]);
      }
      const review = reviewForCheckout(snapshot, await getSkuInfos(snapshot.map((hold) => hold.sku)));
      if (review.unavailable.length || review.repriced.length) return refuseUnbuyable(draft, review);
    }
    const lines = planLines(snapshot, current, now);
    if (!lines) {
      snapshot = undefined; // the customer changed the cart: buy what it holds now
      continue;
    }
    const order = newOrder(draft, snapshot, now);
    try {
      await transactWrite([putOrderItem(order), ...lines.flatMap((line) => line.items)]);
      return { order, created: true };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes.length === 0) throw error;
      if (codes[0] === 'ConditionalCheckFailed') return { order: await committedOrder(draft), created: false };
      const short = lines.filter((line, i) => line.reacquire && failedAt(codes, lines, i).includes('ConditionalCheckFailed'));
      if (short.length) throw await insufficientStock(short.map((line) => line.hold));
      // Otherwise a line moved between our read and our write (lapsed, swept or edited): re-plan.
    }
  }
  throw new TooManyRequests(1);
}

/**
 * Refuses a cart that cannot be bought as it stands, after making the refusal's advice true, so
 * the customer's next checkout goes through: lines of products that are gone are released (409
 * PRODUCT_UNAVAILABLE), else the new prices are recorded on their lines (409 PRICE_CHANGED, the
 * customer has now been told). A retry of a checkout that already committed gets its order.
 */
async function refuseUnbuyable(draft: OrderDraft, review: CheckoutReview): Promise<{ order: OrderRecord; created: false }> {
  const committed = await getOrder(draft.id);
  if (committed && committed.customerId === draft.customerId) return { order: committed, created: false };
  if (review.unavailable.length) {
    await Promise.all(review.unavailable.map((hold) => releaseHold(hold)));
    const skus = review.unavailable.map((hold) => hold.sku).join(', ');
    throw new ProductUnavailable(review.unavailable, `${skus} can no longer be bought and left the cart; check out again to buy the rest.`);
  }
  await Promise.all(review.repriced.map(({ hold, unitPrice }) => recordLinePrice(hold, unitPrice)));
  throw new PriceChanged(review.repriced);
}

interface PlannedLine {
  readonly hold: Hold;
  readonly items: TransactItem[];
  /** The line's hold was swept: its units come from available again. */
  readonly reacquire: boolean;
}

/** Per snapshot line, the transaction items that reserve it now; undefined when the cart changed. */
function planLines(snapshot: readonly Hold[], current: readonly Hold[], now: Date): PlannedLine[] | undefined {
  const planned: PlannedLine[] = [];
  for (const hold of snapshot) {
    const line = current.find((h) => h.sku === hold.sku);
    if (line && line.rev === hold.rev) {
      const items = isLive(line, now) ? holdToReservationItems(line, now) : lapsedHoldToReservationItems(line);
      planned.push({ hold, items, reacquire: false });
    } else if (!line && !isLive(hold, now)) {
      // Back from the shard its hold was released to (a shard since emptied refuses it: 409 below).
      planned.push({ hold, items: [stockMoveUpdate(hold.sku, stockMoves.reserve(hold.quantity), { shard: hold.stockShard })], reacquire: true });
    } else {
      return undefined; // edited, re-added or removed by the customer
    }
  }
  return planned;
}

/** The cancellation codes of line `i`'s items (the order's Put comes first). */
function failedAt(codes: string[], lines: readonly PlannedLine[], i: number): string[] {
  const start = 1 + lines.slice(0, i).reduce((n, line) => n + line.items.length, 0);
  return codes.slice(start, start + lines[i]!.items.length);
}

async function insufficientStock(holds: readonly Hold[]): Promise<Conflict> {
  const details = await Promise.all(
    holds.map(async ({ sku, quantity }) => ({ sku, requested: quantity, available: (await getStock(sku))?.available ?? 0 })),
  );
  const list = details.map((d) => `${d.sku} (${d.available} of ${d.requested})`).join(', ');
  return new Conflict('INSUFFICIENT_STOCK', `The holds on ${list} expired and the stock is no longer there.`, details);
}

/** The order this checkout already committed, or 409 CART_EMPTY when there is none. */
async function committedOrder(draft: OrderDraft): Promise<OrderRecord> {
  const existing = await getOrder(draft.id);
  if (existing && existing.customerId === draft.customerId) return existing;
  throw new Conflict('CART_EMPTY', 'The cart is empty; add items before checking out.');
}

function newOrder(draft: OrderDraft, holds: readonly Hold[], now: Date): Order {
  const items = holds.map(({ sku, productId, name, quantity, unitPrice, stockShard }) => ({
    sku,
    productId,
    name,
    quantity,
    unitPrice,
    ...(stockShard ? { stockShard } : {}),
  }));
  const at = now.toISOString();
  return {
    id: draft.id,
    customerId: draft.customerId,
    status: 'PENDING',
    items,
    total: orderTotal(items),
    shippingAddress: draft.shippingAddress,
    payment: { status: 'pending', paymentIntentId: null, ...draft.payment },
    history: [{ status: 'PENDING', at }],
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

export function isOrderItem(item: Record<string, unknown> | undefined): item is OrderRecord & Record<string, unknown> {
  return isEntity(item, 'ORDER') && item!.sk === orderKeys.order('x').sk;
}

/** The order in a table-stream image (NewImage / OldImage), or undefined for any other entity. */
export function orderFromStreamImage(image: Record<string, unknown> | undefined): OrderRecord | undefined {
  const raw = image as Record<string, AttributeValue> | undefined;
  // Decide on the raw keys first: other entities' images need not even be unmarshalled.
  if (raw?.entity?.S !== 'ORDER' || raw.sk?.S !== orderKeys.order('x').sk) return undefined;
  const item = unmarshall(raw);
  return isOrderItem(item) ? item : undefined;
}

export async function getOrder(orderId: string): Promise<OrderRecord | undefined> {
  const { Item } = await getItem({ Key: orderKeys.order(orderId), ConsistentRead: true });
  return Item as OrderRecord | undefined;
}

/** @throws NotFound when the order does not exist */
export async function requireOrder(orderId: string): Promise<OrderRecord> {
  const order = await getOrder(orderId);
  if (!order) throw new NotFound('Order', orderId);
  return order;
}

/** @throws NotFound when the order does not exist or belongs to another customer (no existence leak) */
export async function getOrderForCustomer(customerId: string, orderId: string): Promise<OrderRecord> {
  const order = await getOrder(orderId);
  if (!order || order.customerId !== customerId) throw new NotFound('Order', orderId);
  return order;
}

/** The customer's orders, newest first. */
export function listCustomerOrders(customerId: string, page: PageRequest): Promise<Page<OrderRecord>> {
  return orderPage(orderKeys.ofCustomer(customerId), page);
}

/** The store's orders, newest first: one status (gsi2) or all of them (gsi3). */
export function listOrders(filter: { status?: OrderStatus }, page: PageRequest): Promise<Page<OrderRecord>> {
  return filter.status
    ? orderPage(orderKeys.withStatus(filter.status), page)
    : orderPage(orderKeys.all, page);
}

/**
 * The order a PaymentIntent pays for: through the link item the workflow writes when it creates
 * the intent, else through the intent's `metadata.orderId` (a webhook can beat the link).
 */
export async function findOrderByPaymentIntent(
  paymentIntentId: string,
  metadataOrderId?: string,
): Promise<OrderRecord | undefined> {
  const { Item } = await getItem({ Key: orderKeys.paymentIntentLink(paymentIntentId), ConsistentRead: true });
  const orderId = (Item?.orderId as string | undefined) ?? metadataOrderId;
  if (!orderId) return undefined;
  const order = await getOrder(orderId);
  // Metadata is only a hint: trust it when the order does not name another intent.
  if (!Item && order?.payment.paymentIntentId && order.payment.paymentIntentId !== paymentIntentId) return undefined;
  return order;
}

// --- Stripe events: each event id handled once -----------------------------------------------

export type EventClaim = 'claimed' | 'done' | 'busy';

/**
 * Claims a Stripe event for processing. 'done': handled before, skip it; 'busy': another
 * delivery is handling it right now (retry later); 'claimed': ours to handle, then
 * {@link completeStripeEvent} or {@link releaseStripeEvent}. A crashed claim expires.
 */
export async function claimStripeEvent(eventId: string, type: string): Promise<EventClaim> {
  const earlier = await claim(orderKeys.stripeEvent(eventId), {
    entity: 'STRIPE_EVENT',
    lockSeconds: STRIPE_EVENT_LOCK_SECONDS,
    retentionSeconds: STRIPE_EVENT_RETENTION_SECONDS,
    attributes: { eventId, type },
  });
  return EVENT_CLAIMS[earlier.state];
}

const EVENT_CLAIMS: Record<Claim['state'], EventClaim> = { claimed: 'claimed', completed: 'done', 'in-progress': 'busy' };

/** Records the event as handled, with what was done about it. */
export async function completeStripeEvent(eventId: string, outcome: string): Promise<void> {
  await complete(orderKeys.stripeEvent(eventId), outcome);
}

/** Gives a claim back so a redelivery handles the event again. */
export async function releaseStripeEvent(eventId: string): Promise<void> {
  await release(orderKeys.stripeEvent(eventId));
}

// --- pagination ------------------------------------------------------------------------------

/**
 * One page of an order index, newest first. The cursor is the last shown item's index sort key
 * (`<createdAt>#<orderId>`); the partition always comes from the server, so a cursor can never
 * open another customer's list.
 */
async function orderPage({ index, partition }: IndexPartition, page: PageRequest): Promise<Page<OrderRecord>> {
  const start = page.cursor ? decodeCursor(page.cursor) : undefined;
  const { partitionKey, sortKey } = keyAttributes(index);
  const { Items = [] } = await queryIndex(
    { index, partition },
    {
      ScanIndexForward: false,
      Limit: page.limit + 1, // one more tells whether another page exists
      ExclusiveStartKey: start && { ...orderKeys.order(start.orderId), [partitionKey]: partition, [sortKey]: start.sortKey },
    },
  );
  const items = Items.slice(0, page.limit) as OrderRecord[];
  const last = items.at(-1);
  return {
    items,
    nextCursor: Items.length > page.limit && last ? encodeCursor(`${last.createdAt}#${last.id}`) : null,
  };
}

function encodeCursor(sortKey: string): string {
  return Buffer.from(sortKey).toString('base64url');
}

function decodeCursor(cursor: string): { sortKey: string; orderId: string } {
  const sortKey = Buffer.from(cursor, 'base64url').toString('utf8');
  const orderId = sortKey.slice(sortKey.lastIndexOf('#') + 1);
  const createdAt = sortKey.slice(0, sortKey.lastIndexOf('#'));
  if (!ORDER_ID.test(orderId) || Number.isNaN(Date.parse(createdAt))) {
    throw new ValidationFailed([{ in: 'query', path: 'cursor', message: 'Not a cursor of this list' }], 'The request query is invalid.');
  }
  return { sortKey, orderId };
}
