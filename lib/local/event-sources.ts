import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScheduledJob, StreamConsumer } from '../consumers';
import { invokeFunction, onInvocationSettled } from './lambda-runtime';

/**
 * The stream is polled every 250 ms while the stack is busy (records seen or a function invoked
 * within the last 2 s); idle, the interval doubles up to 2 s, and any invocation that ends wakes
 * the poller at once (its writes are on the stream by then), so an idle stack costs the
 * DynamoDB Local JVM almost nothing while a busy one, the test suite, waits no longer than before.
 */
const STREAM_POLL_MS = 250;
const IDLE_POLL_MAX_MS = 2_000;
const BUSY_WINDOW_MS = 2_000;
/** New shards only appear when one closes (which refreshes at once); the timer is a safety net. */
const SHARD_REFRESH_MS = 60_000;
const MAX_ATTEMPTS = 3;

export interface Poller {
  stop(): Promise<void>;
}

/**
 * A DynamoDB stream event-source mapping, locally: polls every shard of the table's stream and
 * invokes the consumer with Lambda's batch event. Like Lambda, a failing batch is retried and
 * then sent to the on-failure destination (here a file), and the position is checkpointed
 * (under DATA_DIR) so a restart resumes where it stopped instead of replaying the stream.
 */
export function pollTableStream(options: {
  consumer: StreamConsumer;
  streamArn: string;
  endpoint: string;
  dataDir: string;
}): Poller {
  const { consumer, streamArn, dataDir } = options;
  const client = new DynamoDBStreamsClient({ endpoint: options.endpoint });
  const checkpoints = new CheckpointFile(join(dataDir, `stream-${consumer.id}.json`));
  const iterators = new Map<string, string | undefined>();
  const stopped = new AbortController();
  let lastRefresh = 0;
  let lastActivity = Date.now();
  let delay = STREAM_POLL_MS;

  const refreshShards = async () => {
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!;
      if (iterators.has(shardId) || checkpoints.isClosed(shardId)) continue;
      const after = checkpoints.get(shardId);
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: after ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
          SequenceNumber: after,
        }),
      );
      iterators.set(shardId, ShardIterator);
    }
  };

  /** Reads one batch of the shard and delivers it; returns how many records it had. */
  const pollShard = async (shardId: string, iterator: string): Promise<number> => {
    const { Records = [], NextShardIterator } = await client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: consumer.batchSize ?? 100 }),
    );
    if (Records.length) {
      await deliver(consumer, Records.map((r) => ({ ...repairEmptyMaps(r), eventSourceARN: streamArn })), dataDir);
      checkpoints.set(shardId, Records.at(-1)!.dynamodb!.SequenceNumber!);
    }
    if (NextShardIterator) iterators.set(shardId, NextShardIterator);
    else {
      iterators.delete(shardId);
      checkpoints.close(shardId);
      lastRefresh = 0; // its child shard takes the new records: find it now
    }
    return Records.length;
  };

  const loop = (async () => {
    while (!stopped.signal.aborted) {
      let records = 0;
      try {
        if (iterators.size === 0 || Date.now() - lastRefresh > SHARD_REFRESH_MS) {
          await refreshShards();
          lastRefresh = Date.now();
        }
        for (const [shardId, iterator] of iterators) if (iterator) records += await pollShard(shardId, iterator);
      } catch (error) {
        if (!stopped.signal.aborted) console.error(`stream poller ${consumer.id}:`, (error as Error).message);
        iterators.clear(); // iterators expire; fetch fresh ones from the checkpoints
        lastRefresh = 0;
      }
      if (records > 0) lastActivity = Date.now();
      delay = Date.now() - lastActivity < BUSY_WINDOW_MS ? STREAM_POLL_MS : Math.min(delay * 2, IDLE_POLL_MAX_MS);
      if (await sleepUnlessWoken(delay, stopped.signal)) lastActivity = Date.now();
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

/** Sleeps `ms`, or less when a function invocation ends (true) or the poller stops. */
export function sleepUnlessWoken(ms: number, stopped: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (woken: boolean) => {
      clearTimeout(timer);
      unsubscribe();
      stopped.removeEventListener('abort', onAbort);
      resolve(woken);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), ms);
    const unsubscribe = onInvocationSettled(() => finish(true));
    stopped.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * DynamoDB Local's stream renders an empty map attribute as `{}` instead of `{ "M": {} }`, which
 * `unmarshall` rejects; Lambda receives `{ "M": {} }` on AWS, so the local mapping restores it.
 */
function repairEmptyMaps(record: _Record): _Record {
  const image = (attributes?: Record<string, unknown>) =>
    attributes && Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, repairValue(value)]));
  const { NewImage, OldImage, Keys } = record.dynamodb ?? {};
  return { ...record, dynamodb: { ...record.dynamodb, Keys, NewImage: image(NewImage), OldImage: image(OldImage) } } as _Record;
}

function repairValue(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return { M: {} };
  const [type, inner] = entries[0]!;
  if (type === 'M') return { M: Object.fromEntries(Object.entries(inner as object).map(([k, v]) => [k, repairValue(v)])) };
  if (type === 'L') return { L: (inner as unknown[]).map(repairValue) };
  return value;
}

async function deliver(consumer: StreamConsumer, records: (_Record & { eventSourceARN: string })[], dataDir: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      await invokeFunction(consumer.handler, { Records: records });
      return;
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS) {
        console.error(`stream consumer ${consumer.id} failed ${attempt} times; batch sent to the failure log`, error);
        writeFileSync(join(dataDir, 'stream-failures.jsonl'), JSON.stringify({ consumer: consumer.id, records }) + '\n', {
          flag: 'a',
        });
        return;
      }
      await sleep(200 * 2 ** attempt);
    }
  }
}

/** Per-shard positions, written atomically so a crash never leaves a torn file. */
class CheckpointFile {
  private readonly state: { positions: Record<string, string>; closed: string[] };

  constructor(private readonly file: string) {
    this.state = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { positions: {}, closed: [] };
  }

  get(shardId: string): string | undefined {
    return this.state.positions[shardId];
  }

  isClosed(shardId: string): boolean {
    return this.state.closed.includes(shardId);
  }

  set(shardId: string, sequenceNumber: string): void {
    this.state.positions[shardId] = sequenceNumber;
    this.save();
  }

  close(shardId: string): void {
    this.state.closed.push(shardId);
    this.save();
  }

  private save(): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.state));
    renameSync(`${this.file}.tmp`, this.file);
  }
}

/** An EventBridge schedule, locally: a timer that never overlaps two runs of the same job. */
export function scheduleJob(job: ScheduledJob): Poller {
  const seconds = Number(process.env[job.intervalSetting] ?? job.defaultIntervalSeconds);
  const stopped = new AbortController();
  const loop = (async () => {
    while (!stopped.signal.aborted) {
      await sleep(seconds * 1000, undefined, { signal: stopped.signal }).catch(() => undefined);
      if (stopped.signal.aborted) break;
      try {
        await invokeFunction(job.handler, scheduledEvent(job));
      } catch (error) {
        console.error(`scheduled job ${job.id} failed:`, error);
      }
    }
  })();
  return {
    stop: async () => {
      stopped.abort();
      await loop;
    },
  };
}

function scheduledEvent(job: ScheduledJob) {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:000000000000:rule/${job.id}`],
    detail: {},
  };
}
