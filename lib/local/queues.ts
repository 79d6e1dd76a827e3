import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUES, type QueueConsumer, type QueueId } from '../consumers';
import type { Poller } from './event-sources';
import { invokeFunction } from './lambda-runtime';

export interface LocalQueues {
  readonly endpoint: string;
  /** Queue URL and ARN by queue id. */
  readonly queues: Record<QueueId, { url: string; arn: string }>;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs (SQS wire protocol, SQLite persistence under DATA_DIR) and creates the stack's
 * queues from lib/consumers.ts, each with its DLQ and redrive policy as on AWS.
 */
export async function startLocalQueues(dataDir: string): Promise<LocalQueues> {
  const dir = join(dataDir, 'sqs');
  mkdirSync(dir, { recursive: true });
  const server = await startFauxqs({ port: 0, logger: false, dataDir: dir });
  const queues = {} as Record<QueueId, { url: string; arn: string }>;
  for (const queue of QUEUES) {
    const name = `crowdstart-local-${queue.id}`;
    const dlq = server.createQueue(`${name}-dlq`, { attributes: { MessageRetentionPeriod: '1209600' } });
    const created = server.createQueue(name, {
      attributes: {
        VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: String(queue.maxReceiveCount) }),
      },
    });
    queues[queue.id] = { url: created.queueUrl, arn: created.queueArn };
  }
  return { endpoint: server.address, queues, stop: () => server.stop() };
}

/**
 * An SQS event-source mapping, locally: long-polls the queue, invokes the consumer with Lambda's
 * SQS event and deletes what succeeded. Consumers report partial failures with
 * `batchItemFailures`; those messages (or the whole batch when the handler throws) come back
 * after the visibility timeout and land in the DLQ after maxReceiveCount, as on AWS.
 */
export function pollQueue(consumer: QueueConsumer, queue: { url: string; arn: string }, endpoint: string): Poller {
  const client = new SQSClient({ endpoint });
  const stopped = new AbortController();
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      try {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: Math.min(consumer.batchSize ?? 10, 10),
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: stopped.signal },
        );
        if (Messages.length) await deliver(client, consumer, queue, Messages);
      } catch (error) {
        if (stopped.signal.aborted) break;
        console.error(`queue poller ${consumer.id}:`, (error as Error).message);
        await sleep(500);
      }
    }
  })();
  return {
    stop: async () => {
      stopped.abort();
      await loop;
      client.destroy();
    },
  };
}

async function deliver(client: SQSClient, consumer: QueueConsumer, queue: { url: string; arn: string }, messages: Message[]) {
  let failed = new Set<string>();
  try {
    const result = (await invokeFunction(consumer.handler, { Records: messages.map((m) => toRecord(m, queue.arn)) })) as
      | { batchItemFailures?: { itemIdentifier: string }[] }
      | undefined;
    failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch (error) {
    console.error(`queue consumer ${consumer.id} failed; the batch will be retried:`, (error as Error).message);
    return;
  }
  const done = messages.filter((m) => !failed.has(m.MessageId!));
  if (!done.length) return;
  await client.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queue.url,
      Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
    }),
  );
}

function toRecord(message: Message, queueArn: string) {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: message.Attributes ?? {},
    messageAttributes: message.MessageAttributes ?? {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}
