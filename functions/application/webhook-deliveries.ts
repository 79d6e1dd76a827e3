/**
 * Merchant webhooks, between the order events and the endpoints: which deliveries an order event
 * makes (the fan-out, run by the table-stream consumer that publishes order events), and one
 * signed attempt of one delivery (run by the WebhookDeliveries consumer and by nothing else).
 */
import { ensureDelivery, getEndpoint, listEndpoints, recordAttempt } from '../adapters/dynamodb/webhook-repository';
import { postJson, type SendResult } from '../adapters/webhooks/sender';
import { toAdminOrderView, type Order } from '../domain/order';
import {
  checkUrlSyntax,
  DELIVERY_TIMEOUT_MS,
  isDelivered,
  signatureHeader,
  webhookDeliveryId,
  webhookEventId,
  webhookEventOf,
  type WebhookEvent,
} from '../domain/webhook';
import { env } from '../shared/env';

/** A WebhookDeliveries message: one event for one endpoint; a replay sends even a delivered one again. */
export interface DeliveryMessage {
  readonly endpointId: string;
  readonly deliveryId: string;
  readonly event: WebhookEvent;
  readonly replay?: boolean;
}

/** The webhook event an order's new status raises, or undefined (e.g. REQUIRES_ACTION raises none). */
export function webhookEventFor(order: Order): WebhookEvent | undefined {
  const type = webhookEventOf(order.status);
  if (!type) return undefined;
  const createdAt = order.history.at(-1)?.at ?? order.updatedAt;
  return { id: webhookEventId(order.id, order.version), type, createdAt, data: { order: toAdminOrderView(order) } };
}

/** One message per (event, endpoint subscribed to its type); the endpoints are read only when there are events. */
export async function deliveriesFor(events: readonly WebhookEvent[]): Promise<DeliveryMessage[]> {
  if (events.length === 0) return [];
  const endpoints = await listEndpoints();
  return events.flatMap((event) =>
    endpoints
      .filter((endpoint) => endpoint.events.includes(event.type))
      .map((endpoint) => ({ endpointId: endpoint.id, deliveryId: webhookDeliveryId(event, endpoint.id), event })),
  );
}

/**
 * One attempt: signs the event with the endpoint's secret at this moment, POSTs it and records
 * what happened. True when there is nothing (more) to do: delivered now or before, or the
 * endpoint is gone; false when the endpoint failed and the message should come back later.
 */
export async function attemptDelivery(message: DeliveryMessage): Promise<boolean> {
  const endpoint = await getEndpoint(message.endpointId);
  if (!endpoint) return true; // deleted: its pending deliveries end with it
  const delivery = await ensureDelivery(endpoint.id, message.deliveryId, message.event);
  if (delivery.status === 'delivered' && !message.replay) return true; // a redelivered message
  const body = JSON.stringify(delivery.event);
  const headers = {
    'crowdstart-event-id': delivery.eventId,
    'crowdstart-signature': signatureHeader(endpoint.secret, body, Math.floor(Date.now() / 1000)),
  };
  const at = new Date().toISOString();
  const result = await send(endpoint.url, body, headers);
  const delivered = isDelivered(result.statusCode);
  await recordAttempt(endpoint.id, delivery.id, { at, ...result, ...(message.replay ? { replay: true } : {}) }, delivered);
  return delivered;
}

/** The POST, or the refusal of a URL the stage's policy no longer accepts (recorded like any failed attempt). */
function send(url: string, body: string, headers: Record<string, string>): Promise<SendResult> {
  const policy = env.webhookUrlPolicy;
  try {
    return postJson(checkUrlSyntax(url, policy), body, headers, policy, DELIVERY_TIMEOUT_MS);
  } catch (error) {
    return Promise.resolve({ latencyMs: 0, error: (error as Error).message });
  }
}
