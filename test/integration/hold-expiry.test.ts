import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { rmSync } from 'node:fs';
import { ensureTable, localCredentials, startDynamoDbLocal, type LocalDynamo } from '../../lib/local/dynamodb';
import { createSku, eventually, inventoryOf, type Api } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import { newDataDir, startStackProcess, type StackProcess } from '../../bin/support/stack-process';
import { stockMoves } from '../../functions/domain/stock';

/** The ledger causes these direct repository calls stamp (the routes pass the caller's). */
const ADMIN = { admin: 'test', requestId: 'test' };
const OP_MOVEMENT = { kind: 'sale', cause: { orderId: 'order-1' } } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const untilExpired = (holdExpiresAt: string) => sleep(Date.parse(holdExpiresAt) - Date.now() + 50);

/** Short holds, but long enough that a slow (loaded) machine answers well within one. */
const TTL_SECONDS = 3;

describe(`hold expiry with the sweeper (HOLD_TTL_SECONDS=${TTL_SECONDS}, SWEEP_INTERVAL_SECONDS=1)`, () => {
  let stack: StackProcess;
  let api: Api;

  beforeAll(async () => {
    stack = await startStackProcess({ env: { HOLD_TTL_SECONDS: String(TTL_SECONDS), SWEEP_INTERVAL_SECONDS: '1', SEED_DEMO: 'false' } });
    api = apiClient(stack.url, stack.dataDir);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('returns expired stock within a couple of seconds and drops the line from the cart', async () => {
    const sku = await createSku(api, 5);
    const token = await api.customerToken();
    const sent = Date.now();
    const added = await api.post('/cart/items', { token, body: { sku, quantity: 3 } });
    const expiresAt = Date.parse(added.body.items[0].holdExpiresAt);
    expect(added.status).toBe(201);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + TTL_SECONDS * 1000);
    expect(expiresAt).toBeGreaterThanOrEqual(sent + TTL_SECONDS * 1000);

    const released = await eventually(() => inventoryOf(api, sku), (s) => s.held === 0, 10_000);

    expect(released).toEqual({ sku, total: 5, available: 5, held: 0, reserved: 0, sold: 0 });
    expect(Date.now() - expiresAt).toBeLessThan(1_000 + 3_000); // one sweep interval + slack for a busy machine
    expect((await api.get('/cart', { token })).body.items).toEqual([]);
    expect((await api.patch(`/cart/items/${sku}`, { token, body: { quantity: 1 } })).status).toBe(404);
    expect((await api.delete(`/cart/items/${sku}`, { token })).status).toBe(404);
  }, 30_000);

  it('renews a hold on cart activity, so the sweeper leaves an active line alone', async () => {
    const sku = await createSku(api, 5);
    const token = await api.customerToken();
    await api.post('/cart/items', { token, body: { sku, quantity: 2 } });

    // Touch the line every ~0.5 s for twice the TTL: several sweeps run meanwhile.
    const statuses: number[] = [];
    for (const until = Date.now() + 2 * TTL_SECONDS * 1000; Date.now() < until; await sleep(500)) {
      statuses.push((await api.patch(`/cart/items/${sku}`, { token, body: { quantity: 2 } })).status);
    }
    const stillHeld = await inventoryOf(api, sku);

    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(stillHeld).toMatchObject({ available: 3, held: 2 });
    expect(await eventually(() => inventoryOf(api, sku), (s) => s.held === 0, 10_000)).toMatchObject({ available: 5 });
  }, 40_000);

  it('replays a retried add after its hold expired without holding again', async () => {
    const sku = await createSku(api, 5);
    const token = await api.customerToken();
    const headers = { 'idempotency-key': `late-retry-${sku}` };
    const first = await api.post('/cart/items', { token, headers, body: { sku, quantity: 2 } });
    await eventually(() => inventoryOf(api, sku), (s) => s.held === 0, 10_000);

    const retry = await api.post('/cart/items', { token, headers, body: { sku, quantity: 2 } });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 5, held: 0 });
  }, 30_000);
});

describe('an expired hold before any sweep (HOLD_TTL_SECONDS=3, SWEEP_INTERVAL_SECONDS=3600)', () => {
  let stack: StackProcess;
  let api: Api;

  beforeAll(async () => {
    stack = await startStackProcess({ env: { HOLD_TTL_SECONDS: '3', SWEEP_INTERVAL_SECONDS: '3600', SEED_DEMO: 'false' } });
    api = apiClient(stack.url, stack.dataDir);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('never blocks another buyer: an add that finds stock short releases expired holds inline', async () => {
    const sku = await createSku(api, 1);
    const [alice, bob] = [await api.customerToken(), await api.customerToken()];
    const held = await api.post('/cart/items', { token: alice, body: { sku, quantity: 1 } });
    expect(held.status).toBe(201);
    expect((await api.post('/cart/items', { token: bob, body: { sku, quantity: 1 } })).status).toBe(409);
    await untilExpired(held.body.items[0].holdExpiresAt);

    const res = await api.post('/cart/items', { token: bob, body: { sku, quantity: 1 } });

    expect(res.status).toBe(201);
    expect(res.body.items.map((i: { sku: string; quantity: number }) => [i.sku, i.quantity])).toEqual([[sku, 1]]);
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 1, available: 0, held: 1, reserved: 0, sold: 0 });
    expect((await api.get('/cart', { token: alice })).body.items).toEqual([]);
  }, 30_000);

  it('replaces an expired line on a new add instead of reviving its units', async () => {
    const sku = await createSku(api, 10);
    const token = await api.customerToken();
    const held = await api.post('/cart/items', { token, body: { sku, quantity: 4 } });
    await untilExpired(held.body.items[0].holdExpiresAt);

    const res = await api.post('/cart/items', { token, body: { sku, quantity: 1 } });

    expect(res.status).toBe(201);
    expect(res.body.items[0].quantity).toBe(1);
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 9, held: 1 });
  }, 30_000);
});

/**
 * DynamoDB Local never deletes by TTL, so the TTL path is exercised against the repository and
 * the handler modules directly ("connected" to a DynamoDB Local of this test): the test deletes
 * the hold as the TTL would and hands the consumer the stream record the TTL would produce.
 */
describe('TTL removals on the stream (connected to DynamoDB Local)', () => {
  const TABLE = 'hold-expiry-connected';
  let dataDir: string;
  let ddb: LocalDynamo;
  let repo: typeof import('../../functions/adapters/dynamodb/cart-repository') &
    typeof import('../../functions/adapters/dynamodb/hold-expiry') &
    typeof import('../../functions/application/cart');
  let stock: typeof import('../../functions/adapters/dynamodb/stock-repository');
  let consumer: typeof import('../../functions/queue/release-expired-holds');
  let table: typeof import('../../functions/adapters/dynamodb/table');
  let client: typeof import('../../functions/adapters/dynamodb/table').dynamo;
  let keys: typeof import('../../functions/adapters/dynamodb/keys');

  beforeAll(async () => {
    dataDir = newDataDir();
    ddb = await startDynamoDbLocal(dataDir);
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      TABLE_NAME: TABLE,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    await ensureTable(ddb.client, TABLE);
    // Imported only now: the SDK client they create must see the endpoint above.
    repo = {
      ...(await import('../../functions/adapters/dynamodb/cart-repository')),
      ...(await import('../../functions/adapters/dynamodb/hold-expiry')),
      ...(await import('../../functions/application/cart')),
    };
    stock = await import('../../functions/adapters/dynamodb/stock-repository');
    consumer = await import('../../functions/queue/release-expired-holds');
    table = await import('../../functions/adapters/dynamodb/table');
    client = table.dynamo;
    keys = await import('../../functions/adapters/dynamodb/keys');
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    await ddb?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A catalog SKU (the VARIANT item the catalog writes) with `total` units. */
  const stockedSku = async (sku: string, total: number) => {
    const variant = { entity: 'VARIANT', sku, productId: 'prod-1', productName: 'Mug', variantName: 'Blue', price: { amount: 900, currency: 'USD' } };
    await client.send(new PutCommand({ TableName: TABLE, Item: { ...keys.skuKeys.variant(sku), ...variant } }));
    await stock.setStockTotal(sku, total, ADMIN);
  };

  /** Deletes the hold item as the TTL would and returns the stream record that deletion produces. */
  const ttlDelete = async (customerId: string, sku: string, principalId = 'dynamodb.amazonaws.com') => {
    const key = keys.cartKeys.item(customerId, sku);
    const { Item } = await client.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
    await client.send(new DeleteCommand({ TableName: TABLE, Key: key }));
    return {
      eventID: `${Math.random()}`,
      eventName: 'REMOVE' as const,
      eventSource: 'aws:dynamodb',
      userIdentity: { type: 'Service', principalId },
      dynamodb: { Keys: marshall(key) as never, OldImage: marshall(Item!, { removeUndefinedValues: true }) as never },
    };
  };

  const levels = async (sku: string) => {
    const { total, available, held } = (await stock.getStock(sku))!;
    return { total, available, held };
  };

  it('releases a TTL-removed hold once, however often the record is delivered and while the sweeper runs', async () => {
    await stockedSku('TTL-ONCE', 5);
    await repo.addToCart('alice', 'TTL-ONCE', 3);
    const record = await ttlDelete('alice', 'TTL-ONCE');
    const event = { Records: [record, record] } as DynamoDBStreamEvent;

    await Promise.all([
      consumer.handler(event),
      consumer.handler(event),
      repo.sweepExpiredHolds(new Date(Date.now() + 3_600_000)),
    ]);

    expect(await levels('TTL-ONCE')).toEqual({ total: 5, available: 5, held: 0 });
  }, 30_000);

  it('ignores removals that are not TTL deletions (they moved the stock themselves)', async () => {
    await stockedSku('NOT-TTL', 5);
    await repo.addToCart('bob', 'NOT-TTL', 2);
    const userDelete = await ttlDelete('bob', 'NOT-TTL', 'someone-else');

    await consumer.handler({ Records: [{ ...userDelete, userIdentity: undefined }, userDelete] } as DynamoDBStreamEvent);

    expect(await levels('NOT-TTL')).toEqual({ total: 5, available: 3, held: 2 });
  }, 30_000);

  it('releases an expired hold at most once when sweeps, inline releases and a direct release race', async () => {
    await stockedSku('RACE', 5);
    const { hold } = await repo.addToCart('carol', 'RACE', 4, new Date(Date.now() - 3_600_000));
    const now = new Date();

    const outcomes = await Promise.all([
      repo.sweepExpiredHolds(now).then((r) => r.released),
      repo.sweepExpiredHolds(now).then((r) => r.released),
      repo.releaseExpiredHoldsOfSku('RACE', now),
      repo.releaseHold(hold, { expiredBy: now }).then(Number),
      repo.releaseHold(hold).then(Number),
    ]);

    expect(outcomes.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await levels('RACE')).toEqual({ total: 5, available: 5, held: 0 });
    expect(await repo.getHold('carol', 'RACE')).toBeUndefined();
  }, 30_000);

  it('lets checkout turn a live hold into a reservation, but not an expired one', async () => {
    await stockedSku('RESERVE', 5);
    const { hold: live } = await repo.addToCart('dave', 'RESERVE', 2);
    const { hold: dead } = await repo.addToCart('erin', 'RESERVE', 1, new Date(Date.now() - 3_600_000));

    await table.transactWrite(repo.holdToReservationItems(live, 'order-1'));
    const refused = table.transactWrite(repo.holdToReservationItems(dead, 'order-2'));

    await expect(refused).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect(await stock.getStock('RESERVE')).toMatchObject({ total: 5, available: 2, held: 1, reserved: 2, sold: 0 });
    expect(await stock.applyStockMoveOnce('order-1:sell:RESERVE', 'RESERVE', stockMoves.sell(2), OP_MOVEMENT)).toBe(true);
    expect(await stock.applyStockMoveOnce('order-1:sell:RESERVE', 'RESERVE', stockMoves.sell(2), OP_MOVEMENT)).toBe(false); // a retried step
    expect(await stock.getStock('RESERVE')).toMatchObject({ available: 2, held: 1, reserved: 0, sold: 2 });
  }, 30_000);
});
