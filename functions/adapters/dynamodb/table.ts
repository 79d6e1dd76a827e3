/**
 * The one way to the single table: the client, the table's name, the item helpers that fill it
 * in, queries that name an index of lib/table-schema.ts (never a string typed at the call), the
 * one entity tag, and the transaction plumbing (cancellation codes, retry on conflict) that the
 * stock invariant rests on. Repositories call these with keys from keys.ts.
 *
 * Hand-written rather than ElectroDB or dynamodb-toolbox: the core of the stock invariant is
 * TransactWriteItems whose callers read the cancellation code of each item (which condition
 * failed decides the answer: 409, a retry, a no-op). That stays plain DynamoDB input, which an
 * entity library would wrap and hide; what is left here is a thin layer over the SDK's own
 * document client, small enough not to need one.
 */
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type BatchWriteCommandOutput,
  type DeleteCommandInput,
  type GetCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type QueryCommandOutput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { GLOBAL_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY, type IndexName } from '../../../lib/table-schema';
import { TooManyRequests } from '../../domain/errors';
import { env } from '../../shared/env';

/**
 * The document client, created once per process. It never names an endpoint: on AWS the SDK
 * uses the region's; the local stack sets AWS_ENDPOINT_URL_DYNAMODB, which the SDK reads itself.
 */
export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

let name: string | undefined;

/** The table's name, read from TABLE_NAME once, at first use (so importing needs no env). */
export function tableName(): string {
  return (name ??= env.tableName);
}

/**
 * What an item is, kept in its `entity` attribute: the one tag every item carries. Stream
 * consumers and readers of the overloaded indexes decide on it (see keys.ts for each one's keys).
 */
export type Entity =
  | 'ORDER'
  | 'PAYMENT_INTENT_LINK'
  | 'STRIPE_EVENT'
  | 'IDEMPOTENCY'
  | 'PRODUCT'
  | 'VARIANT'
  | 'SEARCH_DOC'
  | 'SEARCH_TERM'
  | 'STOCK'
  | 'STOCK_OP'
  | 'CART_ITEM'
  | 'CUSTOMER'
  | 'ADDRESS'
  | 'LEDGER_ENTRY'
  | 'STOCKED_SKU'
  | 'AUDIT_RUN'
  | 'WEBHOOK_ENDPOINT'
  | 'WEBHOOK_DELIVERY';

/** The tag to spread into an item: `{ ...keys, ...entityTag('ORDER'), ...fields }`. */
export function entityTag(entity: Entity): { readonly entity: Entity } {
  return { entity };
}

/** True when a stored item (or unmarshalled stream image) is of this entity. */
export function isEntity(item: Record<string, unknown> | undefined, entity: Entity): boolean {
  return item?.entity === entity;
}

/**
 * A table-stream image (NewImage / OldImage) as a plain item when it is of this entity, else
 * undefined. The entity is read from the raw image first, so other entities' images are not even
 * unmarshalled: a shape a consumer does not know cannot stop it.
 */
export function streamImageItem(image: Record<string, unknown> | undefined, entity: Entity): Record<string, NativeAttributeValue> | undefined {
  const raw = image as Record<string, AttributeValue> | undefined;
  return raw?.entity?.S === entity ? unmarshall(raw) : undefined;
}

type Untabled<T> = Omit<T, 'TableName'>;

export function getItem(input: Untabled<GetCommandInput>) {
  return dynamo.send(new GetCommand({ ...input, TableName: tableName() }));
}

export function putItem(input: Untabled<PutCommandInput>) {
  return dynamo.send(new PutCommand({ ...input, TableName: tableName() }));
}

export function updateItem(input: Untabled<UpdateCommandInput>) {
  return dynamo.send(new UpdateCommand({ ...input, TableName: tableName() }));
}

export function deleteItem(input: Untabled<DeleteCommandInput>) {
  return dynamo.send(new DeleteCommand({ ...input, TableName: tableName() }));
}

/** A Query's key condition: one partition, optionally a sort-key range. */
export interface KeyCondition {
  readonly partition: string;
  readonly sortKey?: { readonly beginsWith: string } | { readonly before: string };
}

/** A key condition on one of lib/table-schema.ts's GLOBAL_INDEXES (keys.ts names each one's pattern). */
export interface IndexKeyCondition extends KeyCondition {
  readonly index: IndexName;
}

type QueryRest = Omit<QueryCommandInput, 'TableName' | 'IndexName' | 'KeyConditionExpression'>;

/** The key attribute names of an index, or of the table itself. */
export function keyAttributes(index?: IndexName): { readonly partitionKey: string; readonly sortKey: string } {
  if (!index) return { partitionKey: TABLE_PARTITION_KEY, sortKey: TABLE_SORT_KEY };
  return GLOBAL_INDEXES.find((declared) => declared.indexName === index)!;
}

/** One Query page of the table's own keys; the key condition uses `#pk`, `#sk`, `:pk`, `:sk`. */
export function query(condition: KeyCondition, input: QueryRest = {}): Promise<QueryCommandOutput> {
  return dynamo.send(new QueryCommand(queryInput(condition, keyAttributes(), input)));
}

/**
 * One Query page of an index. Kept apart from `query` so that only the handlers that reach an
 * index carry `IndexName` in their bundle (test/infra/grants.test.ts ties the index grant to it).
 */
export function queryIndex(condition: IndexKeyCondition, input: QueryRest = {}): Promise<QueryCommandOutput> {
  return dynamo.send(new QueryCommand({ ...queryInput(condition, keyAttributes(condition.index), input), IndexName: condition.index }));
}

function queryInput(condition: KeyCondition, keys: ReturnType<typeof keyAttributes>, input: QueryRest): QueryCommandInput {
  const range = condition.sortKey && ('beginsWith' in condition.sortKey
    ? { expression: 'begins_with(#sk, :sk)', value: condition.sortKey.beginsWith }
    : { expression: '#sk < :sk', value: condition.sortKey.before });
  return {
    ...input,
    TableName: tableName(),
    KeyConditionExpression: range ? `#pk = :pk AND ${range.expression}` : '#pk = :pk',
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, '#pk': keys.partitionKey, ...(range && { '#sk': keys.sortKey }) },
    ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ':pk': condition.partition, ...(range && { ':sk': range.value }) },
  };
}

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

/**
 * BatchGetItem over any number of keys, in chunks of 100, retrying unprocessed keys with a short
 * backoff. Items come back in no particular order; absent keys are simply missing.
 */
export async function batchGet(
  keys: Record<string, string>[],
  { attributes, consistent = false }: { attributes?: string[]; consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const table = tableName();
  const found: Record<string, unknown>[] = [];
  const projection = attributes && {
    ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((attribute, i) => [`#a${i}`, attribute])),
  };
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(start, start + BATCH_GET_LIMIT);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt) await sleep(25 * 2 ** Math.min(attempt, 6));
      const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await dynamo.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistent, ...projection } } }),
      );
      found.push(...(Responses?.[table] ?? []));
      pending = UnprocessedKeys?.[table]?.Keys;
    }
  }
  return found;
}

export type WriteRequest = NonNullable<BatchWriteCommandOutput['UnprocessedItems']>[string][number];

/** BatchWriteItem in chunks of 25, retrying unprocessed items with a short backoff. */
export async function batchWrite(requests: WriteRequest[]): Promise<void> {
  const table = tableName();
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    let pending: WriteRequest[] | undefined = requests.slice(start, start + BATCH_WRITE_LIMIT);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt) await sleep(25 * 2 ** Math.min(attempt, 6));
      const { UnprocessedItems }: BatchWriteCommandOutput = await dynamo.send(
        new BatchWriteCommand({ RequestItems: { [table]: pending } }),
      );
      pending = UnprocessedItems?.[table];
    }
  }
}

// --- transactions ----------------------------------------------------------------------------

type SdkTransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One item of a TransactWriteItems on this table (transactWrite names the table). */
export type TransactItem = { [Kind in keyof SdkTransactItem]?: Untabled<NonNullable<SdkTransactItem[Kind]>> };

/** Transactions touching a hot item may be cancelled by a concurrent one; retry a few times. */
const CONFLICT_ATTEMPTS = 6;

/**
 * TransactWriteItems with retries when DynamoDB cancels it for a conflicting concurrent
 * transaction on the same item (the flash-sale case; DynamoDB Local never does this). Condition
 * failures are not retried: they are answers (read them with cancellationCodes).
 */
export async function transactWrite(items: readonly TransactItem[]): Promise<void> {
  const table = tableName();
  const TransactItems = items.map(
    (item) => Object.fromEntries(Object.entries(item).map(([kind, op]) => [kind, op && { ...op, TableName: table }])) as SdkTransactItem,
  );
  await retryOnConflict(() => dynamo.send(new TransactWriteCommand({ TransactItems })));
}

/**
 * Runs a write, retrying with full jitter while DynamoDB refuses it for a concurrent transaction
 * on the same item (TransactionCanceledException with TransactionConflict, or, for a plain
 * write, TransactionConflictException). Persistent conflict becomes a 429 for the client.
 */
export async function retryOnConflict<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isTransactionConflict(error)) throw error;
      if (attempt >= CONFLICT_ATTEMPTS) throw new TooManyRequests(1);
      await sleep(Math.random() * 25 * 2 ** attempt); // full jitter spreads the retry storm
    }
  }
}

/** The cancellation code of each transaction item, in request order ('None' when it was fine). */
export function cancellationCodes(error: unknown): string[] {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return [];
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

/** True when a conditional write (or one item of a transaction) failed its condition. */
export function isConditionFailure(error: unknown): boolean {
  if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return true;
  return cancellationCodes(error).includes('ConditionalCheckFailed');
}

function isTransactionConflict(error: unknown): boolean {
  if (error instanceof Error && error.name === 'TransactionConflictException') return true;
  const codes = cancellationCodes(error);
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}
