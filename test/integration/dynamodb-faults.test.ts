/**
 * The DynamoDB fault proxy (lib/local/dynamodb-faults.ts) speaks DynamoDB's error shapes well
 * enough that the AWS SDK raises the very errors our code handles: throttling (which the SDK
 * retries itself) and TransactionCanceledException with a TransactionConflict reason (which
 * functions/adapters/dynamodb/stock-repository.ts retries).
 */
import { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../../lib/local/dynamodb-faults';

describe('DynamoDB fault proxy', () => {
  let proxy: DynamoDbFaultProxy;
  let client: DynamoDBClient;

  beforeAll(async () => {
    // Every request faulted: the target is never reached, so none needs to exist.
    proxy = await startDynamoDbFaultProxy('http://127.0.0.1:9', 1);
    client = new DynamoDBClient({ ...clientConfig(), maxAttempts: 1 });
  });

  const clientConfig = () => ({ endpoint: proxy.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });

  afterAll(async () => {
    client.destroy();
    await proxy.stop();
  });

  it('answers reads with throttling errors, which the SDK retries itself', async () => {
    const retrying = new DynamoDBClient({ ...clientConfig(), maxAttempts: 2, retryMode: 'standard' });
    const get = () => retrying.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } })).catch((e: Error) => e);
    const errors = (await Promise.all(Array.from({ length: 10 }, get))) as (Error & { $metadata: { attempts?: number } })[];
    retrying.destroy();
    expect(new Set(errors.map((e) => e.name))).toEqual(new Set(['ProvisionedThroughputExceededException', 'ThrottlingException']));
    expect(errors.map((e) => e.$metadata.attempts)).toEqual(Array(10).fill(2));
  }, 30_000);

  it('cancels transactions with one reason per item, a TransactionConflict among them', async () => {
    const put = (pk: string) => ({ Put: { TableName: 't', Item: { pk: { S: pk } } } });
    const errors = await Promise.all(
      Array.from({ length: 20 }, () => client.send(new TransactWriteItemsCommand({ TransactItems: [put('a'), put('b'), put('c')] })).catch((e: Error) => e)),
    );
    const conflicts = errors.filter((e) => (e as Error).name === 'TransactionCanceledException') as (Error & { CancellationReasons: { Code: string }[] })[];
    expect(conflicts.length).toBeGreaterThan(0);
    for (const conflict of conflicts) {
      expect(conflict.CancellationReasons).toHaveLength(3);
      expect(conflict.CancellationReasons.filter((r) => r.Code === 'TransactionConflict')).toHaveLength(1);
      expect(conflict.CancellationReasons.filter((r) => r.Code === 'None')).toHaveLength(2);
    }
    expect(proxy.injected.TransactionConflict).toBe(conflicts.length);
  });

  it('changes its rate at run time through POST /_local/faults', async () => {
    const res = await fetch(`${proxy.endpoint}/_local/faults`, { method: 'POST', body: JSON.stringify({ rate: 0.5 }) });
    const refused = await fetch(`${proxy.endpoint}/_local/faults`, { method: 'POST', body: JSON.stringify({ rate: 2 }) });
    expect(await res.json()).toMatchObject({ rate: 0.5 });
    expect(refused.status).toBe(400);
    proxy.setRate(1);
  });
});
