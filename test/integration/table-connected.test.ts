/**
 * Adapter-level ("connected", as ElectroDB calls them) tests: the table module, the once module,
 * the stock and cart repositories and the ledger consumer called directly against DynamoDB
 * Local. They use the global stack's DynamoDB Local but a table of their own, which no stream
 * consumer polls, so what they assert is what the repositories wrote and nothing else.
 */
import { randomUUID } from 'node:crypto';
import { ensureTable, localCredentials } from '../../lib/local/dynamodb';
import { stockMoves } from '../../functions/domain/stock';

/** The ledger causes these direct repository calls stamp (the routes pass the caller's). */
const ADMIN = { admin: 'test', requestId: 'test' };
const OP_MOVEMENT = { kind: 'hold', cause: { orderId: 'test' } } as const;

type Table = typeof import('../../functions/adapters/dynamodb/table');
type Keys = typeof import('../../functions/adapters/dynamodb/keys');
type Stock = typeof import('../../functions/adapters/dynamodb/stock-repository');
type Cart = typeof import('../../functions/adapters/dynamodb/cart-repository') &
  typeof import('../../functions/adapters/dynamodb/hold-expiry') &
  typeof import('../../functions/application/cart');
type Once = typeof import('../../functions/adapters/dynamodb/once');

const TABLE = `connected-${randomUUID().slice(0, 8)}`;
let table: Table;
let keys: Keys;
let stock: Stock;
let cart: Cart;
let once: Once;

beforeAll(async () => {
  const endpoint = process.env.CROWDSTART_DYNAMODB_URL;
  if (!endpoint) throw new Error('CROWDSTART_DYNAMODB_URL is not set: run through the integration project (global setup)');
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    TABLE_NAME: TABLE,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const admin = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
  await ensureTable(admin, TABLE);
  admin.destroy();
  // Imported only now: the SDK client they create must see the endpoint and table above.
  table = await import('../../functions/adapters/dynamodb/table');
  keys = await import('../../functions/adapters/dynamodb/keys');
  stock = await import('../../functions/adapters/dynamodb/stock-repository');
  cart = {
    ...(await import('../../functions/adapters/dynamodb/cart-repository')),
    ...(await import('../../functions/adapters/dynamodb/hold-expiry')),
    ...(await import('../../functions/application/cart')),
  };
  once = await import('../../functions/adapters/dynamodb/once');
}, 60_000);

afterAll(() => {
  table?.dynamo.destroy();
});

/** A catalog SKU (the VARIANT item the catalog writes) with `total` units on the shelf. */
async function stockedSku(total: number): Promise<string> {
  const sku = `SKU-${randomUUID().slice(0, 8)}`;
  const variant = { sku, productId: 'prod-1', productName: 'Mug', variantName: 'Blue', price: { amount: 900, currency: 'USD' } };
  await table.putItem({ Item: { ...keys.skuKeys.variant(sku), ...table.entityTag('VARIANT'), ...variant } });
  await stock.setStockTotal(sku, total, ADMIN);
  return sku;
}

const levels = async (sku: string) => {
  const { total, available, held, reserved, sold } = (await stock.getStock(sku))!;
  return { total, available, held, reserved, sold };
};

describe('the table module', () => {
  it('names the table itself and reports a failed condition as one', async () => {
    // Prepare
    const key = { pk: `T#${randomUUID()}`, sk: 'ONE' };
    await table.putItem({ Item: { ...key, ...table.entityTag('STOCK_OP'), n: 1 }, ConditionExpression: 'attribute_not_exists(pk)' });

    // Act
    const again = await table
      .putItem({ Item: { ...key, n: 2 }, ConditionExpression: 'attribute_not_exists(pk)' })
      .catch((error: unknown) => error);

    // Assess
    expect(table.isConditionFailure(again)).toBe(true);
    expect((await table.getItem({ Key: key, ConsistentRead: true })).Item).toEqual({ ...key, entity: 'STOCK_OP', n: 1 });
  });

  it('gives the cancellation code of each transaction item in request order, and writes none of them', async () => {
    // Prepare
    const [fresh, taken] = [{ pk: `T#${randomUUID()}`, sk: 'A' }, { pk: `T#${randomUUID()}`, sk: 'B' }];
    await table.putItem({ Item: taken });

    // Act
    const refused = await table
      .transactWrite([
        { Put: { Item: fresh, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { Item: taken, ConditionExpression: 'attribute_not_exists(pk)' } },
      ])
      .catch((error: unknown) => error);

    // Assess
    expect(table.cancellationCodes(refused)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(table.isConditionFailure(refused)).toBe(true);
    expect((await table.getItem({ Key: fresh, ConsistentRead: true })).Item).toBeUndefined();
  });

  it('queries a partition by sort-key prefix, and an index by the attributes table-schema declares for it', async () => {
    // Prepare
    const partition = `Q#${randomUUID()}`;
    const indexed = keys.cartKeys.holdsOfSku(`Q-${randomUUID()}`);
    const { partitionKey, sortKey } = table.keyAttributes(indexed.index);
    await table.batchWrite(
      ['A#1', 'A#2', 'B#1'].map((sk) => ({ PutRequest: { Item: { pk: partition, sk, [partitionKey]: indexed.partition, [sortKey]: sk } } })),
    );

    // Act
    const prefixed = await table.query({ partition, sortKey: { beginsWith: 'A#' } }, { ConsistentRead: true });
    const before = await table.queryIndex({ ...indexed, sortKey: { before: 'B' } });

    // Assess
    expect(prefixed.Items?.map((item) => item.sk)).toEqual(['A#1', 'A#2']);
    expect(before.Items?.map((item) => item.sk)).toEqual(['A#1', 'A#2']);
    expect([partitionKey, sortKey]).toEqual(['gsi1pk', 'gsi1sk']);
  });

  it('writes and reads batches larger than one request allows', async () => {
    // Prepare
    const partition = `B#${randomUUID()}`;
    const items = Array.from({ length: 130 }, (_, i) => ({ pk: partition, sk: `${i}`.padStart(3, '0'), i }));

    // Act
    await table.batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
    const found = await table.batchGet(
      items.map(({ pk, sk }) => ({ pk, sk })),
      { attributes: ['i'], consistent: true },
    );

    // Assess
    expect(found.map((item) => item.i).sort((a, b) => Number(a) - Number(b))).toEqual(items.map((item) => item.i));
  });

  it('retries a write cancelled by a concurrent transaction, then answers 429', async () => {
    // Prepare: DynamoDB Local never reports a conflict, so the write reports it itself.
    const conflict = Object.assign(new Error('conflict'), { name: 'TransactionConflictException' });
    let calls = 0;
    const failingTwice = async () => (++calls <= 2 ? Promise.reject(conflict) : 'written');

    // Act
    const written = await table.retryOnConflict(failingTwice);
    const refused = await table.retryOnConflict(() => Promise.reject(conflict)).catch((error: unknown) => error);

    // Assess
    expect([written, calls]).toEqual(['written', 3]);
    expect(refused).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  });
});

describe('the stock repository (connected)', () => {
  it('applies a move once per operation id however often it is asked', async () => {
    // Prepare
    const sku = await stockedSku(5);
    const opId = `op-${randomUUID()}`;

    // Act
    const outcomes = await Promise.all([1, 2, 3].map(() => stock.applyStockMoveOnce(opId, sku, stockMoves.hold(2), OP_MOVEMENT)));

    // Assess
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await levels(sku)).toEqual({ total: 5, available: 3, held: 2, reserved: 0, sold: 0 });
  });

  it('refuses a move that would take a bucket below zero and leaves the stock as it was', async () => {
    // Prepare
    const sku = await stockedSku(2);

    // Act
    const short = stock.applyStockMoveOnce(`op-${randomUUID()}`, sku, stockMoves.hold(3), OP_MOVEMENT);
    const noReservation = stock.applyStockMoveOnce(`op-${randomUUID()}`, sku, stockMoves.sell(1), OP_MOVEMENT);

    // Assess
    await expect(short).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    await expect(noReservation).rejects.toMatchObject({ code: 'STOCK_MOVE_REFUSED' });
    expect(await levels(sku)).toEqual({ total: 2, available: 2, held: 0, reserved: 0, sold: 0 });
  });

  it('refuses a total below what carts and orders hold, and a shrink below available', async () => {
    // Prepare
    const sku = await stockedSku(5);
    await stock.applyStockMoveOnce(`op-${randomUUID()}`, sku, stockMoves.hold(3), OP_MOVEMENT);

    // Act
    const belowHeld = stock.setStockTotal(sku, 2, ADMIN);
    const shrink = stock.adjustStockTotal(sku, -3, ADMIN);

    // Assess
    await expect(belowHeld).rejects.toMatchObject({ code: 'INVENTORY_BELOW_COMMITTED' });
    await expect(shrink).rejects.toMatchObject({ code: 'INVENTORY_BELOW_COMMITTED' });
    expect(await levels(sku)).toEqual({ total: 5, available: 2, held: 3, reserved: 0, sold: 0 });
  });

  it('creates no stock record for a SKU outside the catalog', async () => {
    // Act
    const unknown = stock.setStockTotal(`NONE-${randomUUID()}`, 5, ADMIN);

    // Assess
    await expect(unknown).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('the cart repository (connected)', () => {
  it('holds the last unit for exactly one of two customers adding it at once', async () => {
    // Prepare
    const sku = await stockedSku(1);

    // Act
    const outcomes = await Promise.allSettled([cart.addToCart(`a-${randomUUID()}`, sku, 1), cart.addToCart(`b-${randomUUID()}`, sku, 1)]);

    // Assess
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 'INSUFFICIENT_STOCK' } });
    expect(await levels(sku)).toEqual({ total: 1, available: 0, held: 1, reserved: 0, sold: 0 });
  });

  it('releases a hold only at the revision it was read at, and only once', async () => {
    // Prepare
    const sku = await stockedSku(5);
    const customer = `c-${randomUUID()}`;
    const { hold: first } = await cart.addToCart(customer, sku, 2);
    const { hold: grown } = await cart.addToCart(customer, sku, 1);

    // Act
    const stale = await cart.releaseHold(first);
    const current = await Promise.all([cart.releaseHold(grown), cart.releaseHold(grown)]);

    // Assess
    expect(stale).toBe(false);
    expect(current.filter(Boolean)).toHaveLength(1);
    expect(await levels(sku)).toEqual({ total: 5, available: 5, held: 0, reserved: 0, sold: 0 });
  });

  it('stores a line tagged as a cart item, which is how the stream consumer recognises it', async () => {
    // Prepare
    const sku = await stockedSku(3);
    const customer = `c-${randomUUID()}`;
    await cart.addToCart(customer, sku, 1);

    // Act
    const { Item } = await table.getItem({ Key: keys.cartKeys.item(customer, sku), ConsistentRead: true });

    // Assess
    expect(Item).toMatchObject({ entity: 'CART_ITEM', sku, quantity: 1 });
    expect(cart.holdFromItem(Item)).toMatchObject({ customerId: customer, sku, quantity: 1 });
    expect(cart.holdFromItem({ ...Item, entity: 'STOCK' })).toBeUndefined();
  });

  it('finds only the expired holds of a SKU through its index, and releases them', async () => {
    // Prepare
    const sku = await stockedSku(5);
    const hourAgo = new Date(Date.now() - 3_600_000);
    await cart.addToCart(`old-${randomUUID()}`, sku, 2, hourAgo);
    await cart.addToCart(`new-${randomUUID()}`, sku, 1);

    // Act
    const released = await cart.releaseExpiredHoldsOfSku(sku);

    // Assess
    expect(released).toBe(1);
    expect(await levels(sku)).toEqual({ total: 5, available: 4, held: 1, reserved: 0, sold: 0 });
  });
});

describe('the once module (connected)', () => {
  const options = { entity: 'IDEMPOTENCY', lockSeconds: 60, retentionSeconds: 3600, fingerprint: 'body-1' } as const;
  const freshKey = () => ({ pk: `ONCE#${randomUUID()}`, sk: 'WORK' });

  it('claims work for one of many concurrent attempts; the others see it in progress with its fingerprint', async () => {
    // Prepare
    const key = freshKey();
    // Act
    const claims = await Promise.all([1, 2, 3, 4].map(() => once.claim(key, options)));
    // Assess
    expect(claims.filter((claim) => claim.state === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim.state !== 'claimed')).toEqual([1, 2, 3].map(() => ({ state: 'in-progress', fingerprint: 'body-1' })));
  });

  it('replays the result of completed work to every later claim, and keeps it on a release', async () => {
    // Prepare
    const key = freshKey();
    await once.claim(key, options);
    // Act
    await once.complete(key, { statusCode: 201, body: { id: 'o1' } });
    await once.release(key);
    // Assess
    const replay = { state: 'completed', fingerprint: 'body-1', result: { statusCode: 201, body: { id: 'o1' } } };
    expect(await once.claim(key, { ...options, fingerprint: 'body-2' })).toEqual(replay);
    expect(await once.claim(key, options)).toEqual(replay);
  });

  it('lets the next attempt claim released work, or work whose lock has lapsed', async () => {
    // Prepare
    const released = freshKey();
    const lapsed = freshKey();
    await once.claim(released, options);
    await once.claim(lapsed, { ...options, lockSeconds: -1 }); // a lock that ended a second ago
    // Act
    await once.release(released);
    // Assess
    expect(await once.claim(released, options)).toEqual({ state: 'claimed' });
    expect(await once.claim(lapsed, options)).toEqual({ state: 'claimed' });
    expect(await once.claim(lapsed, options)).toEqual({ state: 'in-progress', fingerprint: 'body-1' });
  });

  it('stores its records under their entity with a ttl, and only the attributes it was given', async () => {
    // Prepare
    const key = freshKey();
    // Act
    await once.claim(key, { entity: 'STRIPE_EVENT', lockSeconds: 120, retentionSeconds: 3600, attributes: { type: 'payment_intent.succeeded' } });
    // Assess
    const { Item } = await table.getItem({ Key: key, ConsistentRead: true });
    expect(Item).toMatchObject({ ...key, entity: 'STRIPE_EVENT', status: 'IN_PROGRESS', type: 'payment_intent.succeeded' });
    expect(Item?.ttl).toBeGreaterThan(Item?.lockedUntil as number);
    expect(Item).not.toHaveProperty('fingerprint');
  });
});

describe('the idempotency store (connected)', () => {
  type Store = typeof import('../../functions/adapters/dynamodb/idempotency-store');
  let store: Store;
  beforeAll(async () => {
    store = await import('../../functions/adapters/dynamodb/idempotency-store');
  });

  /** A cart-sized response whose keys are not in alphabetical order. */
  const cartResponse = () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: {
      customerId: 'c1',
      lines: Array.from({ length: 12 }, (_, i) => ({ sku: `SKU-${i}`, name: `linen shirt ${i} (One size)`, quantity: 1, unitPrice: { amount: 1000 + i, currency: 'USD' } })),
      subtotal: { amount: 12066, currency: 'USD' },
    },
  });

  it('replays the stored response key for key, in its order, from a record packed below the JSON it came from', async () => {
    // Prepare
    const id = { scope: `c1#POST /cart/items`, key: randomUUID() };
    const response = cartResponse();
    // Act
    const stored = await store.idempotencyStore.record(id, 'body-1', response, 3600);
    const found = await store.idempotencyStore.find(id);
    // Assess
    expect(stored).toBe(true);
    expect(found?.state === 'completed' && JSON.stringify(found.response)).toBe(JSON.stringify(response));
    const { Item } = await table.getItem({ Key: keys.idempotencyKeys.record(id.scope, id.key), ConsistentRead: true });
    expect((Item?.result as Uint8Array).byteLength).toBeLessThan(JSON.stringify(response).length / 2);
  });

  it('replays a claimed request completed with its response', async () => {
    // Prepare
    const id = { scope: `c1#POST /checkout`, key: randomUUID() };
    await store.idempotencyStore.claim(id, 'body-1', { lockSeconds: 60, retentionSeconds: 3600 });
    // Act
    await store.idempotencyStore.complete(id, cartResponse());
    // Assess
    expect(await store.idempotencyStore.claim(id, 'body-1', { lockSeconds: 60, retentionSeconds: 3600 })).toEqual({ state: 'completed', fingerprint: 'body-1', response: cartResponse() });
  });
});

describe('the stock ledger consumer (connected)', () => {
  type Ledger = typeof import('../../functions/adapters/dynamodb/stock-ledger-repository');
  type Consumer = typeof import('../../functions/queue/record-stock-ledger');
  let ledger: Ledger;
  let consumer: Consumer;
  beforeAll(async () => {
    ledger = await import('../../functions/adapters/dynamodb/stock-ledger-repository');
    consumer = await import('../../functions/queue/record-stock-ledger');
  });

  /** A stock record's stream image (DynamoDB JSON, as the stream carries it), stamped with movement `id`. */
  const stockImage = async (sku: string, levels: { total: number; available: number; held: number }, id: string) => {
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const item = { ...keys.skuKeys.stock(sku), entity: 'STOCK', sku, ...levels, reserved: 0, sold: 0, updatedAt: `2026-12-02T10:00:0${id}.000Z`, lastMovement: { id, kind: 'hold', cause: { customerId: 'c1', holdId: 'h1' } } };
    return marshall(item) as Record<string, any>;
  };

  it('writes one entry per stock change of a batch, and a redelivered batch adds none', async () => {
    // Prepare: a stocking (10 units) and a hold of 2, as two stream records of one batch
    const sku = `LEDGER-${randomUUID().slice(0, 8)}`;
    const stocked = await stockImage(sku, { total: 10, available: 10, held: 0 }, '1');
    const held = await stockImage(sku, { total: 10, available: 8, held: 2 }, '2');
    const event = {
      Records: [
        { eventName: 'INSERT', dynamodb: { NewImage: stocked, SequenceNumber: '100000000000000000001', ApproximateCreationDateTime: 1_796_000_000 } },
        { eventName: 'MODIFY', dynamodb: { OldImage: stocked, NewImage: held, SequenceNumber: '100000000000000000002', ApproximateCreationDateTime: 1_796_000_001 } },
      ],
    } as unknown as import('aws-lambda').DynamoDBStreamEvent;

    // Act: delivered, then delivered again (Lambda's retry of a failed batch)
    await consumer.handler(event);
    await consumer.handler(event);

    // Assess
    const { items } = await ledger.listLedger(sku, { limit: 10 });
    expect(items.map((entry) => [entry.kind, entry.delta.available, entry.after.available])).toEqual([
      ['hold', -2, 8],
      ['hold', 10, 10],
    ]);
  });
});
