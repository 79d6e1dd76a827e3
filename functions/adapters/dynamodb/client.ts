import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The document client, created once per process. It never names an endpoint: on AWS the SDK
 * uses the region's; the local stack sets AWS_ENDPOINT_URL_DYNAMODB, which the SDK reads itself.
 */
export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** True when a conditional write (or one item of a transaction) failed its condition. */
export function isConditionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ConditionalCheckFailedException') return true;
  if (error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((r) => r.Code === 'ConditionalCheckFailed');
}

const BATCH_GET_LIMIT = 100;

/**
 * BatchGetItem over any number of keys of one table, in chunks of 100, retrying unprocessed keys
 * with a short backoff. Items come back in no particular order; absent keys are simply missing.
 */
export async function batchGet(
  tableName: string,
  keys: Record<string, string>[],
  { attributes, consistent = false }: { attributes?: string[]; consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const projection = attributes && {
    ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
  };
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(start, start + BATCH_GET_LIMIT);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt) await sleep(25 * 2 ** Math.min(attempt, 6));
      const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await dynamo.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent, ...projection } } }),
      );
      found.push(...(Responses?.[tableName] ?? []));
      pending = UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return found;
}
