/**
 * Merchant webhook endpoints and their deliveries (keys.ts, `webhookKeys`). A delivery item is
 * created once per (event, endpoint) — its id is derived from both — and every attempt is
 * appended to it, so a redelivered event or a retried message never makes a second delivery.
 */
import type { Page } from '../../domain/page';
import type { DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent } from '../../domain/webhook';
import { NotFound } from '../../domain/errors';
import { webhookKeys } from './keys';
import { deleteItem, entityTag, getItem, isConditionFailure, putItem, query, updateItem } from './table';

/** Deliveries are kept a month (and at most this many attempts each), then the TTL removes them. */
const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;
const MAX_ATTEMPTS_KEPT = 50;

export async function createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
  await putItem({
    Item: { ...webhookKeys.endpoint(endpoint.id), ...entityTag('WEBHOOK_ENDPOINT'), ...endpoint },
    ConditionExpression: 'attribute_not_exists(pk)',
  });
}

/** Every endpoint of the stage (a handful: one Query, followed to its end). */
export async function listEndpoints(): Promise<WebhookEndpoint[]> {
  const endpoints: WebhookEndpoint[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await query(
      { partition: webhookKeys.ENDPOINTS, sortKey: { beginsWith: webhookKeys.ENDPOINT_PREFIX } },
      { ExclusiveStartKey: cursor, ConsistentRead: true },
    );
    endpoints.push(...(page.Items ?? []).map(toEndpoint));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return endpoints;
}

export async function getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
  const { Item } = await getItem({ Key: webhookKeys.endpoint(id), ConsistentRead: true });
  return Item && toEndpoint(Item);
}

/** @throws NotFound when no endpoint has this id */
export async function deleteEndpoint(id: string): Promise<void> {
  try {
    await deleteItem({ Key: webhookKeys.endpoint(id), ConditionExpression: 'attribute_exists(pk)' });
  } catch (error) {
    if (isConditionFailure(error)) throw new NotFound('Webhook', id);
    throw error;
  }
}

/** Creates the delivery (status pending) unless it exists; either way returns it as stored. */
export async function ensureDelivery(endpointId: string, deliveryId: string, event: WebhookEvent): Promise<WebhookDelivery> {
  const now = new Date().toISOString();
  const delivery: WebhookDelivery = { id: deliveryId, endpointId, eventId: event.id, type: event.type, status: 'pending', event, attempts: [], createdAt: now };
  const { status: _derived, ...stored } = delivery;
  try {
    await putItem({
      Item: {
        ...webhookKeys.delivery(endpointId, deliveryId),
        ...entityTag('WEBHOOK_DELIVERY'),
        ...stored,
        ttl: Math.floor(Date.now() / 1000) + DELIVERY_RETENTION_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    return delivery;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return (await getDelivery(endpointId, deliveryId))!;
  }
}

export async function getDelivery(endpointId: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
  const { Item } = await getItem({ Key: webhookKeys.delivery(endpointId, deliveryId), ConsistentRead: true });
  return Item && toDelivery(Item);
}

/**
 * Appends an attempt; a 2xx also stamps `deliveredAt` (once). The status is read from these, so
 * a delivered delivery stays delivered whatever a later attempt (a failed replay) answered.
 */
export async function recordAttempt(endpointId: string, deliveryId: string, attempt: DeliveryAttempt, delivered: boolean): Promise<void> {
  await updateItem({
    Key: webhookKeys.delivery(endpointId, deliveryId),
    UpdateExpression: `SET #attempts = list_append(#attempts, :attempt)${delivered ? ', #deliveredAt = if_not_exists(#deliveredAt, :at)' : ''}`,
    ConditionExpression: 'attribute_exists(pk) AND size(#attempts) < :max',
    ExpressionAttributeNames: { '#attempts': 'attempts', ...(delivered ? { '#deliveredAt': 'deliveredAt' } : {}) },
    ExpressionAttributeValues: { ':attempt': [attempt], ':max': MAX_ATTEMPTS_KEPT, ...(delivered ? { ':at': attempt.at } : {}) },
  }).catch((error) => {
    if (!isConditionFailure(error)) throw error; // gone (endpoint deleted, TTL) or full: the attempt still happened
  });
}

/** An endpoint's deliveries, newest first, `{ items, nextCursor }`. */
export async function listDeliveries(endpointId: string, page: { limit: number; cursor?: string }): Promise<Page<WebhookDelivery>> {
  const result = await query(
    { partition: webhookKeys.deliveries(endpointId), sortKey: { beginsWith: webhookKeys.DELIVERY_PREFIX } },
    {
      ScanIndexForward: false,
      Limit: page.limit + 1, // one more tells whether another page exists
      ExclusiveStartKey: page.cursor ? webhookKeys.delivery(endpointId, Buffer.from(page.cursor, 'base64url').toString()) : undefined,
    },
  );
  const items = (result.Items ?? []).map(toDelivery);
  const shown = items.slice(0, page.limit);
  return {
    items: shown,
    nextCursor: items.length > page.limit ? Buffer.from(shown.at(-1)!.id).toString('base64url') : null,
  };
}

function toEndpoint(item: Record<string, any>): WebhookEndpoint {
  const { id, url, events, secret, createdAt } = item;
  return { id, url, events, secret, createdAt };
}

function toDelivery(item: Record<string, any>): WebhookDelivery {
  const { id, endpointId, eventId, type, event, attempts = [], createdAt, deliveredAt } = item;
  const status: DeliveryStatus = deliveredAt ? 'delivered' : attempts.length ? 'failing' : 'pending';
  return { id, endpointId, eventId, type, status, event, attempts, createdAt };
}
