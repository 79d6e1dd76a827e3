/**
 * Table-stream consumer: publishes every order status change to the OrderEvents queue, where
 * merchant integrations consume them. At least once: a failed send throws and the batch is
 * retried, so a consumer may see an event twice and dedupes by `eventId` (`<orderId>:<version>`,
 * which also orders one order's events, as a standard queue does not).
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { orderFromStreamImage } from '../adapters/dynamodb/order-repository';
import { sendJsonBatch, type OutgoingMessage } from '../adapters/sqs/client';
import type { OrderStatus } from '../domain/order';

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
};

/** The status change a record shows, carrying the order's correlation id as its message attribute. */
function statusChangeOf(record: DynamoDBRecord): OutgoingMessage[] {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return [];
  const order = orderFromStreamImage(record.dynamodb?.NewImage);
  const before = orderFromStreamImage(record.dynamodb?.OldImage);
  if (!order || before?.status === order.status) return [];
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
