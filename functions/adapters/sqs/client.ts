import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueId } from '../../../lib/consumers';
import { env } from '../../shared/env';
import { correlationAttributes } from '../../shared/observability';

/**
 * The SQS client, created once per process. Like the DynamoDB client it names no endpoint: the
 * local stack sets AWS_ENDPOINT_URL_SQS, which the SDK reads itself. Requests go to that
 * (or the region's) endpoint rather than to the host inside the queue URL, which a local
 * server may spell with a name that does not resolve (`sqs.us-east-1.localhost`).
 */
export const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });

/** A JSON message and the correlation id it carries as its `correlationId` attribute. */
export interface OutgoingMessage {
  readonly body: unknown;
  readonly correlationId?: string;
}

/** Sends `body` as one JSON message to one of the stack's queues (e.g. 'StripeWebhooks'). */
export async function sendJson(queue: QueueId, { body, correlationId }: OutgoingMessage): Promise<string | undefined> {
  const { MessageId } = await sqs.send(
    new SendMessageCommand({ QueueUrl: env.queueUrl(queue), MessageBody: JSON.stringify(body), MessageAttributes: correlationAttributes(correlationId) }),
  );
  return MessageId;
}

/**
 * Sends each message as one JSON message, ten per SendMessageBatch call, in order. Throws when
 * any message was not accepted, so the caller's event source retries (consumers dedupe by event id).
 */
export async function sendJsonBatch(queue: QueueId, messages: readonly OutgoingMessage[]): Promise<void> {
  const url = env.queueUrl(queue);
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    const { Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: chunk.map(({ body, correlationId }, n) => ({
          Id: String(n),
          MessageBody: JSON.stringify(body),
          MessageAttributes: correlationAttributes(correlationId),
        })),
      }),
    );
    if (Failed.length) throw new Error(`SQS refused ${Failed.length} message(s): ${Failed.map((f) => f.Code).join(', ')}`);
  }
}

/**
 * Hides a received message for `seconds` (SQS allows up to 12 h): a consumer's backoff, after
 * which the message comes back with its receive count one higher.
 */
export async function delayRedelivery(queue: QueueId, receiptHandle: string, seconds: number): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({ QueueUrl: env.queueUrl(queue), ReceiptHandle: receiptHandle, VisibilityTimeout: Math.min(Math.ceil(seconds), 43_200) }),
  );
}
