/**
 * Table-stream consumer: starts the order workflow for every order item the stream shows
 * INSERTed. Checkout also starts it right after its commit, but only as a latency shortcut:
 * this consumer is what guarantees no committed order is ever left without its workflow.
 * Starting twice is harmless (execution name = order id). A failure throws, so the batch is retried.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { orderFromStreamImage } from '../adapters/dynamodb/order-repository';
import { startOrderWorkflow } from '../adapters/sfn/order-workflow';
import { logger } from '../shared/logger';
import { observedHandler } from '../shared/observability';

export const handler = observedHandler(async (event: DynamoDBStreamEvent): Promise<void> => {
  const orders = event.Records.filter((record) => record.eventName === 'INSERT')
    .map((record) => orderFromStreamImage(record.dynamodb?.NewImage))
    .filter((order) => order !== undefined);
  await Promise.all(orders.map((order) => startOrderWorkflow(order.id, order.correlationId)));
  if (orders.length) logger.info('Order workflows started', { orderIds: orders.map((order) => order.id), correlationIds: orders.map((order) => order.correlationId) });
});
