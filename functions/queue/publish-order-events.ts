/**
 * Table-stream consumer: publishes every order status change to the OrderEvents queue, where
 * merchant integrations consume them. At least once: a failed send throws and the batch is
 * retried, so a consumer may see an event twice and dedupes by `eventId` (`<orderId>:<version>`,
 * which also orders one order's events, as a standard queue does not).
 * The same changes fan out to the merchant's webhook endpoints: one WebhookDeliveries message
 * per subscribed endpoint, whose delivery id is derived from event and endpoint, so a retried
 * batch re-sends messages that find their delivery already made.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { orderFromStreamImage } from '../adapters/dynamodb/order-repository';
import { sendJsonBatch, type OutgoingMessage } from '../adapters/sqs/client';
import { deliveriesFor, webhookEventFor } from '../application/webhook-deliveries';
import type { OrderStatus } from '../domain/order';
import type { WebhookEvent } from '../domain/webhook';

export interface OrderStatusChanged {
  readonly type: 'order.status_changed';
  readonly eventId: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly from: OrderStatus | null;
  readonly to: OrderStatus;
  readonly at: string;
}

export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  await sendJsonBatch('OrderEvents', event.Records.flatMap(statusChangeOf));
  const deliveries = await deliveriesFor(event.Records.flatMap(webhookEventOfRecord));
  await sendJsonBatch('WebhookDeliveries', deliveries.map((delivery) => ({ body: delivery })));
};

/** The status change a record shows, carrying the order's correlation id as its message attribute. */
function statusChangeOf(record: DynamoDBRecord): OutgoingMessage[] {
  const order = changedOrderOf(record);
  if (!order) return [];
  const before = orderFromStreamImage(record.dynamodb?.OldImage);
  const body: OrderStatusChanged = {
    type: 'order.status_changed',
    eventId: `${order.id}:${order.version}`,
    orderId: order.id,
    customerId: order.customerId,
    from: before?.status ?? null,
    to: order.status,
    at: order.history.at(-1)?.at ?? order.updatedAt,
  };
  return [{ body, correlationId: order.correlationId }];
}

function webhookEventOfRecord(record: DynamoDBRecord): WebhookEvent[] {
  const order = changedOrderOf(record);
  const event = order && webhookEventFor(order);
  return event ? [event] : [];
}

/** The order of a record that changed (or created) its status; undefined for anything else. */
function changedOrderOf(record: DynamoDBRecord) {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const order = orderFromStreamImage(record.dynamodb?.NewImage);
  const before = orderFromStreamImage(record.dynamodb?.OldImage);
  return order && before?.status !== order.status ? order : undefined;
}
