import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScheduledJob, StreamConsumer } from '../consumers';
import { invokeFunction, onInvocationSettled } from './lambda-runtime';

/**
 * One reader polls each shard of the table's stream for every consumer (Lambda polls a shard
 * four times a second per mapping; one reader here keeps DynamoDB Local's GetRecords work, most
 * of an idle or busy local stack's CPU, independent of the number of consumers). After a read
 * that found records it waits BATCH_GAP_MS, so a burst of writes arrives as one batch; after an
 * empty read it waits STREAM_POLL_MS while the stack is busy (records seen or a function invoked
 * within BUSY_WINDOW_MS), doubling up to IDLE_POLL_MAX_MS once idle. Any invocation that ends
 * wakes it sooner (its writes are on the stream by then), but never within BATCH_GAP_MS of the
 * last read: under load invocations end hundreds of times a second.
 */
const BATCH_GAP_MS = 100;
const STREAM_POLL_MS = 250;
const IDLE_POLL_MAX_MS = 2_000;
const BUSY_WINDOW_MS = 2_000;
/** New shards only appear when one closes (which refreshes at once); the timer is a safety net. */
const SHARD_REFRESH_MS = 60_000;
const MAX_ATTEMPTS = 3;
/** Records a consumer may have waiting before the reader pauses for it (Lambda's mapping reads no further ahead either). */
const MAX_BACKLOG = 1_000;

export interface Poller {
  stop(): Promise<void>;
}

type StreamRecord = _Record & { eventSourceARN: string };
type Entry = { shardId: string; record: StreamRecord } | { shardId: string; closed: true };

/**
 * The table stream's event-source mappings, locally: one reader polls every shard and hands each
 * record to each consumer, which invokes its handler with Lambda's batch event (up to its
 * batchSize records of one shard). Like Lambda, each consumer keeps its own position: a failing
 * batch is retried and then sent to the on-failure destination (here a file) without holding
 * up the others, and each position is checkpointed (under DATA_DIR) so a restart resumes where
 * each consumer stopped instead of replaying the stream. Checkpoints are written in the
 * background; a SIGKILL may lose the last one, and that batch is delivered again, as Lambda's
 * at-least-once delivery may after a failure.
 */
export function pollTableStream(options: {
  consumers: readonly StreamConsumer[];
  streamArn: string;
  endpoint: string;
  dataDir: string;
}): Poller {
  const { streamArn, dataDir } = options;
  const client = new DynamoDBStreamsClient({ endpoint: options.endpoint });
  const stopped = new AbortController();
  const lanes = options.consumers.map((consumer) => new ConsumerLane(consumer, dataDir, stopped.signal));
  const iterators = new Map<string, string>();
  /** The last sequence number read per shard, so an expired iterator resumes there. */
  const readUpTo = new Map<string, string>();
  const finished = new Set<string>();
  let lastRefresh = 0;
  let lastActivity = Date.now();
  let delay = STREAM_POLL_MS;

  const refreshShards = async () => {
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!;
      const open = lanes.filter((lane) => !lane.isClosed(shardId));
      if (iterators.has(shardId) || finished.has(shardId) || !open.length) continue;
      const after = readUpTo.get(shardId) ?? earliest(open.map((lane) => lane.position(shardId)));
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: after ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
          SequenceNumber: after,
        }),
      );
      if (ShardIterator) iterators.set(shardId, ShardIterator);
    }
  };

  /** Reads one batch of the shard and hands it to every consumer; returns how many records it had. */
  const readShard = async (shardId: string, iterator: string): Promise<number> => {
    const { Records = [], NextShardIterator } = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const records = Records.map((r) => ({ ...repairEmptyMaps(r), eventSourceARN: streamArn }));
    if (records.length) readUpTo.set(shardId, records.at(-1)!.dynamodb!.SequenceNumber!);
    for (const lane of lanes) lane.add(shardId, records);
    if (NextShardIterator) iterators.set(shardId, NextShardIterator);
    else {
      iterators.delete(shardId);
      finished.add(shardId);
      for (const lane of lanes) lane.closeShard(shardId);
      lastRefresh = 0; // its child shard takes the new records: find it now
    }
    return records.length;
  };

  const readAll = async (): Promise<number> => {
    if (iterators.size === 0 || Date.now() - lastRefresh > SHARD_REFRESH_MS) {
      await refreshShards();
      lastRefresh = Date.now();
    }
    let records = 0;
    for (const [shardId, iterator] of iterators) records += await readShard(shardId, iterator);
    return records;
  };

  /** Whether a function invocation ended since the last read began: its writes may be unread. */
  let settled = false;
  const unsubscribe = onInvocationSettled(() => (settled = true));
  const gap = () => sleep(BATCH_GAP_MS, undefined, { signal: stopped.signal }).catch(() => undefined);

  const loop = (async () => {
    while (!stopped.signal.aborted) {
      await Promise.all(lanes.map((lane) => lane.roomToRead()));
      if (stopped.signal.aborted) break;
      settled = false;
      let records = 0;
      try {
        records = await readAll();
      } catch (error) {
        if (!stopped.signal.aborted) console.error('stream reader:', (error as Error).message);
        iterators.clear(); // iterators expire; fetch fresh ones from where the reader got to
        lastRefresh = 0;
      }
      const busy = records > 0 || Date.now() - lastActivity < BUSY_WINDOW_MS;
      if (records > 0) lastActivity = Date.now();
      delay = records > 0 ? BATCH_GAP_MS : busy ? STREAM_POLL_MS : Math.min(delay * 2, IDLE_POLL_MAX_MS);
      await gap();
      if (settled || (delay > BATCH_GAP_MS && (await sleepUnlessWoken(delay - BATCH_GAP_MS, stopped.signal)))) lastActivity = Date.now();
    }
  })();
  const delivering = lanes.map((lane) => lane.run());

  return {
    stop: async () => {
      stopped.abort();
      unsubscribe();
      await loop;
      await Promise.all(delivering);
      client.destroy();
    },
  };
}

/** The earliest of the consumers' positions in a shard; none when one of them has none (it starts at the shard's start). */
function earliest(positions: (string | undefined)[]): string | undefined {
  if (positions.some((p) => p === undefined)) return undefined;
  return positions.reduce((a, b) => (BigInt(a!) <= BigInt(b!) ? a : b));
}

/**
 * One consumer's side of the mapping: the records handed to it that it has not delivered yet,
 * delivered in order, a batch of one shard's records at a time, and its checkpoints.
 */
class ConsumerLane {
  private readonly checkpoints: CheckpointFile;
  private readonly entries: Entry[] = [];
  private wakeDelivery = () => {};
  private wakeReader = () => {};

  constructor(
    private readonly consumer: StreamConsumer,
    private readonly dataDir: string,
    private readonly stopped: AbortSignal,
  ) {
    this.checkpoints = new CheckpointFile(join(dataDir, `stream-${consumer.id}.json`));
    stopped.addEventListener('abort', () => {
      this.wakeDelivery();
      this.wakeReader();
    });
  }

  position(shardId: string): string | undefined {
    return this.checkpoints.get(shardId);
  }

  isClosed(shardId: string): boolean {
    return this.checkpoints.isClosed(shardId);
  }

  /** Takes the records past this consumer's own position (the reader starts at the earliest consumer's). */
  add(shardId: string, records: StreamRecord[]): void {
    if (this.isClosed(shardId)) return;
    const after = this.position(shardId);
    for (const record of records) {
      if (after === undefined || BigInt(record.dynamodb!.SequenceNumber!) > BigInt(after)) this.entries.push({ shardId, record });
    }
    if (this.entries.length) this.wakeDelivery();
  }

  closeShard(shardId: string): void {
    if (this.isClosed(shardId)) return;
    this.entries.push({ shardId, closed: true });
    this.wakeDelivery();
  }

  /** Resolves once this consumer's backlog leaves the reader room to read on. */
  roomToRead(): Promise<void> {
    if (this.entries.length < MAX_BACKLOG || this.stopped.aborted) return Promise.resolve();
    return new Promise((resolve) => (this.wakeReader = resolve));
  }

  async run(): Promise<void> {
    while (!this.stopped.aborted) {
      if (!this.entries.length) {
        await new Promise<void>((resolve) => (this.wakeDelivery = resolve));
        continue;
      }
      await this.deliverNext();
      if (this.entries.length < MAX_BACKLOG) this.wakeReader();
    }
    await this.checkpoints.flush();
  }

  /** Delivers the first waiting batch (or closes the first shard ended), then checkpoints it. */
  private async deliverNext(): Promise<void> {
    const first = this.entries[0]!;
    if ('closed' in first) {
      this.entries.shift();
      this.checkpoints.close(first.shardId);
      return;
    }
    const limit = this.consumer.batchSize ?? 100;
    let count = 0;
    while (count < this.entries.length && count < limit) {
      const entry = this.entries[count]!;
      if (entry.shardId !== first.shardId || 'closed' in entry) break;
      count++;
    }
    const batch = this.entries.splice(0, count).map((entry) => (entry as { record: StreamRecord }).record);
    await deliver(this.consumer, batch, this.dataDir);
    this.checkpoints.set(first.shardId, batch.at(-1)!.dynamodb!.SequenceNumber!);
  }
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

async function deliver(consumer: StreamConsumer, records: StreamRecord[], dataDir: string) {
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

/**
 * Per-shard positions, written atomically (a temp file renamed over the old one) so a crash
 * never leaves a torn file. Writes go in the background, one at a time, the latest state last:
 * a delivery never waits for the disk.
 */
class CheckpointFile {
  private readonly state: { positions: Record<string, string>; closed: string[] };
  private writing: Promise<void> | undefined;
  private dirty = false;

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

  /** Resolves once the latest state is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private save(): void {
    this.dirty = true;
    this.writing ??= this.writeWhileDirty();
  }

  private async writeWhileDirty(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await writeFile(`${this.file}.tmp`, JSON.stringify(this.state));
        await rename(`${this.file}.tmp`, this.file);
      } catch (error) {
        console.error(`stream checkpoint ${this.file}:`, (error as Error).message);
      }
    }
    this.writing = undefined; // in the same tick as the last check, so no save() falls between
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
