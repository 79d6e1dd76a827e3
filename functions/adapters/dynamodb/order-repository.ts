/**
 * Orders in the single table (keys and access patterns: keys.ts, `orderKeys`). The whole order
 * is one item, so a read is one GetItem and every status write is one conditional update (the
 * workflow's transitions live in order-transitions.ts, the checkout transaction that creates it in
 * checkout-transaction.ts). This file owns the order item, its reads and lists, the PaymentIntent →
 * order lookup, and the once-only bookkeeping of Stripe webhook events.
 *
 * | operation                       | how                                                              |
 * |---------------------------------|------------------------------------------------------------------|
 * | create (checkout)               | Put ORDER#<id>/ORDER, attribute_not_exists, inside the checkout transaction (checkout-transaction.ts) |
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
import { NotFound, ValidationFailed } from '../../domain/errors';
import type { Order, OrderStatus, TaskTokenKind } from '../../domain/order';
import { orderKeys, type IndexPartition } from './keys';
import { claim, complete, release, type Claim } from './once';
import {
  batchGet,
  entityTag,
  getItem,
  isEntity,
  keyAttributes,
  queryIndex,
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
 * open another customer's list. The indexes hold no whole orders (lib/table-schema.ts): the page's
 * keys come from the index, the orders from the table, in one BatchGet.
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
  const shown = Items.slice(0, page.limit);
  const orders = await batchGet(shown.map(({ pk, sk }) => ({ pk, sk })));
  const byKey = new Map(orders.map((order) => [order.pk as string, order as unknown as OrderRecord]));
  const items = shown.flatMap(({ pk }) => byKey.get(pk) ?? []); // in the index's order
  const last = shown.at(-1);
  return {
    items,
    nextCursor: Items.length > page.limit && last ? encodeCursor(last[sortKey] as string) : null,
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
