/**
 * Consumer of the WebhookDeliveries queue: one signed POST per message to a merchant's endpoint
 * (application/webhook-deliveries.ts). A failed attempt hides its message for the backoff of its
 * receive count (30 s, doubling, at most 1 h; WEBHOOK_RETRY_* locally) and reports it failed, so
 * SQS brings it back then, and after the 24 h of attempts the queue allows, moves it to the DLQ.
 */
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { delayRedelivery } from '../adapters/sqs/client';
import { attemptDelivery, type DeliveryMessage } from '../application/webhook-deliveries';
import { retryDelaySeconds } from '../domain/webhook';
import { env } from '../shared/env';

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failed = await Promise.all(event.Records.map(async (record) => ((await deliver(record)) ? [] : [failure(record)])));
  return { batchItemFailures: failed.flat() };
};

async function deliver(record: SQSRecord): Promise<boolean> {
  const delivered = await attemptDelivery(JSON.parse(record.body) as DeliveryMessage);
  if (!delivered) {
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    await delayRedelivery('WebhookDeliveries', record.receiptHandle, retryDelaySeconds(attempt, env.webhookRetrySchedule));
  }
  return delivered;
}

const failure = (record: SQSRecord): SQSBatchItemFailure => ({ itemIdentifier: record.messageId });
