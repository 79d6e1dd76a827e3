/**
 * Fulfillment queue consumer: the workflow's `Await fulfillment` state sends
 * `{ orderId, taskToken, items, shippingAddress }` here and waits. We keep the token on the order
 * (`tokens.fulfillment`, only while it is PAID) so POST /admin/orders/{id}/fulfillment can resume
 * the execution and a cancellation can fail it. A message for an order that moved on (or that
 * the workflow gave up on) is dropped: its execution is no longer waiting on that token.
 *
 * A message this consumer keeps failing on ends in the DLQ with its token never recorded; the
 * wait's fulfillment SLA (`Await fulfillment` TimeoutSecondsPath) still ends it: the order
 * records attention, the execution fails (the alarm), and the merchant's actions apply directly.
 *
 * The state machine sends the message, and its input carries the order's correlation id only for
 * executions started since the id exists, so the id comes from the order rather than from a
 * message attribute the ASL would have to require (a missing path fails the execution).
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { getOrder } from '../adapters/dynamodb/order-repository';
import { recordTaskToken } from '../adapters/dynamodb/order-transitions';
import { NotFound } from '../domain/errors';
import { logger } from '../shared/logger';
import { correlationIdOf, observedHandler, useCorrelationId } from '../shared/observability';

interface FulfillmentMessage {
  readonly orderId: string;
  readonly taskToken: string;
}

export const handler = observedHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await recordRequest(record);
    } catch (error) {
      logger.error('Fulfillment request not recorded; it will be retried', { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
});

async function recordRequest(record: SQSRecord): Promise<void> {
  const message = parse(record.body);
  if (!message) {
    logger.error('Malformed fulfillment message dropped', { messageId: record.messageId });
    return;
  }
  // One record at a time, so the invocation's log keys name this record's order.
  useCorrelationId(correlationIdOf(record) ?? (await getOrder(message.orderId))?.correlationId);
  try {
    const recorded = await recordTaskToken(message.orderId, 'fulfillment', message.taskToken);
    if (recorded) logger.info('Order awaits fulfillment', { orderId: message.orderId });
    else logger.warn('Fulfillment request for an order that no longer awaits it dropped', { orderId: message.orderId });
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
    logger.error('Fulfillment request for an unknown order dropped', { orderId: message.orderId });
  }
}

function parse(body: string): FulfillmentMessage | undefined {
  try {
    const message = JSON.parse(body) as Partial<FulfillmentMessage>;
    if (typeof message.orderId === 'string' && typeof message.taskToken === 'string') {
      return { orderId: message.orderId, taskToken: message.taskToken };
    }
  } catch {
    // fall through: not JSON
  }
  return undefined;
}
