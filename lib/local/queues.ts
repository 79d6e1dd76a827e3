import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUES, type QueueConsumer, type QueueId } from '../consumers';
import { localCredentials } from './dynamodb';
import { sleepUnlessWoken, type Poller } from './event-sources';
import { invokeFunction, onInvocationSettled } from './lambda-runtime';

/**
 * While the stack is busy (a message or an invocation within IDLE_AFTER_MS) the pollers long-poll;
 * idle, they short-poll every IDLE_POLL_MS instead, woken at once by any invocation that ends
 * (whatever it sent is in the queue by then). A waiting long poll keeps a 20 ms timer running
 * inside fauxqs, which is most of what an idle stack would otherwise spend.
 */
const BUSY_WAIT_SECONDS = 2;
const IDLE_AFTER_MS = 10_000;
const IDLE_POLL_MS = 2_000;

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
  const client = new SQSClient({ endpoint: server.address, region: 'us-east-1', credentials: localCredentials });
  const queues = {} as Record<QueueId, { url: string; arn: string }>;
  for (const queue of QUEUES) {
    const name = `crowdstart-local-${queue.id}`;
    const dlq = await ensureQueue(server, client, `${name}-dlq`, { MessageRetentionPeriod: '1209600' });
    queues[queue.id] = await ensureQueue(server, client, name, {
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: String(queue.maxReceiveCount) }),
    });
  }
  client.destroy();
  return { endpoint: server.address, queues, stop: () => server.stop() };
}

type FauxqsServer = Awaited<ReturnType<typeof startFauxqs>>;

/**
 * Creates the queue on first start. On a restart it keeps the one fauxqs loaded from its
 * persistence, messages and all (fauxqs's createQueue would replace it with an empty one), and
 * only brings its attributes up to date, as a deploy would.
 */
async function ensureQueue(server: FauxqsServer, client: SQSClient, name: string, attributes: Record<string, string>) {
  const loaded = server.inspectQueue(name);
  if (!loaded) {
    const created = server.createQueue(name, { attributes });
    return { url: created.queueUrl, arn: created.queueArn };
  }
  const url = new URL(loaded.url);
  url.port = String(server.port); // the URL a previous start saved names that start's port
  await client.send(new SetQueueAttributesCommand({ QueueUrl: url.href, Attributes: attributes }));
  return { url: url.href, arn: loaded.arn };
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
  let lastActivity = Date.now();
  const unsubscribe = onInvocationSettled(() => {
    lastActivity = Date.now();
  });
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      try {
        const idle = Date.now() - lastActivity > IDLE_AFTER_MS;
        if (idle) await sleepUnlessWoken(IDLE_POLL_MS, stopped.signal);
        if (stopped.signal.aborted) break;
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: Math.min(consumer.batchSize ?? 10, 10),
            // fauxqs answers a long poll as soon as a message arrives: no latency while busy.
            WaitTimeSeconds: idle ? 0 : BUSY_WAIT_SECONDS,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: stopped.signal },
        );
        if (Messages.length) {
          lastActivity = Date.now();
          await deliver(client, consumer, queue, Messages);
        }
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
      unsubscribe();
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

/** The SQS API spells a message attribute `{ StringValue, DataType }`; Lambda's SQS event `{ stringValue, dataType }`. */
function lambdaMessageAttributes(attributes: Message['MessageAttributes'] = {}) {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, { DataType, StringValue, BinaryValue }]) => [
      name,
      { dataType: DataType, stringListValues: [], binaryListValues: [], ...(StringValue === undefined ? {} : { stringValue: StringValue }), ...(BinaryValue === undefined ? {} : { binaryValue: Buffer.from(BinaryValue).toString('base64') }) },
    ]),
  );
}

function toRecord(message: Message, queueArn: string) {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: message.Attributes ?? {},
    messageAttributes: lambdaMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}
