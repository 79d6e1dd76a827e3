import { createSku, eventually, inventoryOf, type Api } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const LIMIT = 3;
/** Holds short enough for a quick test, long enough that a loaded machine answers well within one. */
const TTL_SECONDS = 5;
const LIFETIME_SECONDS = 8;

describe(`flash-sale hold limits (MAX_UNITS_PER_CUSTOMER=${LIMIT}, HOLD_TTL_SECONDS=${TTL_SECONDS}, HOLD_MAX_LIFETIME_SECONDS=${LIFETIME_SECONDS})`, () => {
  let stack: StackProcess;
  let api: Api;

  beforeAll(async () => {
    stack = await startStackProcess({
      env: {
        MAX_UNITS_PER_CUSTOMER: String(LIMIT),
        HOLD_TTL_SECONDS: String(TTL_SECONDS),
        HOLD_MAX_LIFETIME_SECONDS: String(LIFETIME_SECONDS),
        SWEEP_INTERVAL_SECONDS: '1',
        SEED_DEMO: 'false',
      },
    });
    api = apiClient(stack.url, stack.dataDir);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('caps the units of one SKU one customer may hold, on add and on change, with 409 QUANTITY_LIMIT_EXCEEDED', async () => {
    // Prepare
    const sku = await createSku(api, 50);
    const token = await api.customerToken();

    // Act
    const atLimit = await api.post('/cart/items', { token, body: { sku, quantity: LIMIT } });
    const oneMore = await api.post('/cart/items', { token, body: { sku, quantity: 1 } });
    const patchedUp = await api.patch(`/cart/items/${sku}`, { token, body: { quantity: LIMIT + 1 } });
    const patchedDown = await api.patch(`/cart/items/${sku}`, { token, body: { quantity: 1 } });
    const whole = await api.post('/cart/items', { token: await api.customerToken(), body: { sku, quantity: 50 } });

    // Assess
    expect(atLimit.status).toBe(201);
    for (const refused of [oneMore, patchedUp]) {
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'QUANTITY_LIMIT_EXCEEDED', details: [expect.objectContaining({ sku, limit: LIMIT })] });
    }
    expect(oneMore.body.error.details).toEqual([{ sku, inCart: LIMIT, requested: LIMIT + 1, limit: LIMIT }]);
    expect(patchedDown.status).toBe(200);
    expect(patchedDown.body.items[0].quantity).toBe(1);
    expect(whole.status).toBe(409);
    expect(whole.body.error.code).toBe('QUANTITY_LIMIT_EXCEEDED');
    expect(await inventoryOf(api, sku)).toMatchObject({ total: 50, available: 49, held: 1 });
  }, 30_000);

  it('never renews a hold past its first hold plus the maximum lifetime; then the sweeper releases it', async () => {
    // Prepare
    const sku = await createSku(api, 5);
    const token = await api.customerToken();
    const added = await api.post('/cart/items', { token, body: { sku, quantity: 2 } });
    const firstHeldBy = Date.now();
    expect(added.status).toBe(201);

    // Act: renew every 0.4 s until well past the lifetime
    const renewals: { status: number; holdExpiresAt?: string }[] = [];
    while (Date.now() < firstHeldBy + (LIFETIME_SECONDS + 2) * 1000) {
      const res = await api.patch(`/cart/items/${sku}`, { token, body: { quantity: 2 } });
      renewals.push({ status: res.status, holdExpiresAt: res.body?.items?.[0]?.holdExpiresAt });
      await sleep(400);
    }
    const released = await eventually(() => inventoryOf(api, sku), (s) => s.held === 0, 10_000);

    // Assess
    const latestExpiry = Math.max(...renewals.filter((r) => r.holdExpiresAt).map((r) => Date.parse(r.holdExpiresAt!)));
    expect(latestExpiry).toBeLessThanOrEqual(firstHeldBy + LIFETIME_SECONDS * 1000);
    expect(renewals[0]!.status).toBe(200);
    expect(renewals.at(-1)!.status).toBe(404);
    expect(released).toEqual({ sku, total: 5, available: 5, held: 0, reserved: 0, sold: 0 });
    expect((await api.get('/cart', { token })).body.items).toEqual([]);
  }, 60_000);
});
