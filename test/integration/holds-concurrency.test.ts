import { createSku, eventually, inventoryOf, invariantViolations, type Api } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';

const api = apiClient();

describe('a flash sale on one SKU', () => {
  it('never oversells: 200 concurrent adds of 1 unit on 50 give exactly 50 holds', async () => {
    const sku = await createSku(api, 50);
    const tokens = await Promise.all(Array.from({ length: 200 }, () => api.customerToken()));

    const results = await Promise.all(tokens.map((token) => api.post('/cart/items', { token, body: { sku, quantity: 1 } })));

    const won = results.filter((r) => r.status === 201 || r.status === 200);
    const refused = results.filter((r) => r.status === 409);
    expect(won).toHaveLength(50);
    expect(refused).toHaveLength(150);
    expect(refused.every((r) => r.body.error.code === 'INSUFFICIENT_STOCK')).toBe(true);
    expect(refused.every((r) => r.body.error.details[0].available === 0)).toBe(true);
    const stock = await inventoryOf(api, sku);
    expect(stock).toEqual({ sku, total: 50, available: 0, held: 50, reserved: 0, sold: 0 });
    expect(invariantViolations(stock)).toEqual([]);
  }, 60_000);
});

describe('a storm of adds, changes and removes', () => {
  it('keeps the invariant at every sample and ends with held equal to the live carts', async () => {
    const skus = await Promise.all([createSku(api, 40), createSku(api, 40), createSku(api, 40)]);
    const customers = await Promise.all(Array.from({ length: 30 }, () => api.customerToken()));

    const { samples, violations, unexpected } = await stormWithSampling(api, skus, customers, { opsPerCustomer: 15 });

    expect(unexpected).toEqual([]);
    expect(samples).toBeGreaterThan(10);
    expect(violations).toEqual([]);
    const carts = await Promise.all(customers.map(async (token) => (await api.get('/cart', { token })).body));
    for (const sku of skus) {
      const inCarts = carts.flatMap((c) => c.items).filter((i) => i.sku === sku).reduce((sum, i) => sum + i.quantity, 0);
      expect(await inventoryOf(api, sku)).toMatchObject({ total: 40, held: inCarts, available: 40 - inCarts });
    }
  }, 120_000);
});

describe('a storm while holds expire (HOLD_TTL_SECONDS=2, SWEEP_INTERVAL_SECONDS=1)', () => {
  let stack: StackProcess;
  let short: Api;

  beforeAll(async () => {
    stack = await startStackProcess({ env: { HOLD_TTL_SECONDS: '2', SWEEP_INTERVAL_SECONDS: '1', SEED_DEMO: 'false' } });
    short = apiClient(stack.url, stack.dataDir);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps the invariant at every sample while the sweeper releases, and returns every unit after', async () => {
    const skus = await Promise.all([createSku(short, 15), createSku(short, 15), createSku(short, 15)]);
    const customers = await Promise.all(Array.from({ length: 30 }, () => short.customerToken()));

    const { samples, violations, unexpected } = await stormWithSampling(short, skus, customers, { durationMs: 6_000 });

    expect(unexpected).toEqual([]);
    expect(samples).toBeGreaterThan(20);
    expect(violations).toEqual([]);
    for (const sku of skus) {
      const settled = await eventually(() => inventoryOf(short, sku), (s) => s.held === 0, 10_000);
      expect(settled).toEqual({ sku, total: 15, available: 15, held: 0, reserved: 0, sold: 0 });
    }
    const carts = await Promise.all(customers.map(async (token) => (await short.get('/cart', { token })).body));
    expect(carts.flatMap((c) => c.items)).toEqual([]);
  }, 120_000);
});

const random = (n: number) => Math.floor(Math.random() * n);
const OPERATIONS = {
  add: (c: Api, token: string, sku: string) => c.post('/cart/items', { token, body: { sku, quantity: 1 + random(3) } }),
  change: (c: Api, token: string, sku: string) => c.patch(`/cart/items/${sku}`, { token, body: { quantity: random(5) } }),
  remove: (c: Api, token: string, sku: string) => c.delete(`/cart/items/${sku}`, { token }),
};
/** Expected answers per operation; anything else (a 500, say) is a failure of the test. */
const EXPECTED: Record<keyof typeof OPERATIONS, number[]> = { add: [200, 201, 409], change: [200, 404, 409], remove: [204, 404] };

/**
 * Every customer runs random adds (1..3), changes (0..4) and removes on random SKUs, either a
 * fixed number of operations or until the duration has passed, while a sampler reads every
 * SKU's stock in a loop and records any invariant violation it sees.
 */
async function stormWithSampling(
  client: Api,
  skus: string[],
  customers: string[],
  until: { opsPerCustomer?: number; durationMs?: number },
) {
  const deadline = Date.now() + (until.durationMs ?? Infinity);
  const unexpected: string[] = [];
  const violations: string[] = [];
  let samples = 0;
  let running = true;

  const sampler = (async () => {
    while (running) {
      for (const stock of await Promise.all(skus.map((sku) => inventoryOf(client, sku)))) {
        samples++;
        for (const v of invariantViolations(stock)) violations.push(`${stock.sku}: ${v}`);
      }
    }
  })();

  const customer = async (token: string) => {
    for (let op = 0; op < (until.opsPerCustomer ?? Infinity) && Date.now() < deadline; op++) {
      const sku = skus[random(skus.length)]!;
      const roll = Math.random();
      const kind = roll < 0.5 ? 'add' : roll < 0.8 ? 'change' : 'remove';
      const res = await OPERATIONS[kind](client, token, sku);
      if (!EXPECTED[kind].includes(res.status)) unexpected.push(`${kind} ${sku}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  };

  await Promise.all(customers.map(customer));
  running = false;
  await sampler;
  return { samples, violations, unexpected };
}
