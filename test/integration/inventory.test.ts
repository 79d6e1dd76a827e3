import { createSku, inventoryOf, invariantViolations } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';

const api = apiClient();

describe('GET /admin/inventory/{sku}', () => {
  it('answers zeros for a catalog SKU never stocked, and 404 outside the catalog', async () => {
    const sku = await createSku(api, 0);
    const admin = await api.adminToken();

    const known = await api.get(`/admin/inventory/${sku}`, { token: admin });
    const unknown = await api.get('/admin/inventory/NO-SUCH-SKU-7', { token: admin });

    expect(known.status).toBe(200);
    expect(known.body).toEqual({ sku, total: 0, available: 0, held: 0, reserved: 0, sold: 0, shards: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
  });
});

describe('PUT /admin/inventory/{sku}', () => {
  it('sets the total and derives available from what is held', async () => {
    const sku = await createSku(api, 10);
    const admin = await api.adminToken();
    await api.post('/cart/items', { token: await api.customerToken(), body: { sku, quantity: 4 } });

    const grown = await api.put(`/admin/inventory/${sku}`, { token: admin, body: { total: 25 } });
    const shrunk = await api.put(`/admin/inventory/${sku}`, { token: admin, body: { total: 4 } });

    expect(grown.status).toBe(200);
    expect(grown.body).toEqual({ sku, total: 25, available: 21, held: 4, reserved: 0, sold: 0, shards: 1 });
    expect(shrunk.body).toEqual({ sku, total: 4, available: 0, held: 4, reserved: 0, sold: 0, shards: 1 });
  });

  it('refuses a total below the held units with 409 and changes nothing', async () => {
    const sku = await createSku(api, 10);
    await api.post('/cart/items', { token: await api.customerToken(), body: { sku, quantity: 6 } });

    const res = await api.put(`/admin/inventory/${sku}`, { token: await api.adminToken(), body: { total: 5 } });

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'INVENTORY_BELOW_COMMITTED',
      details: [{ sku, requestedTotal: 5, committed: 6, held: 6, reserved: 0, sold: 0 }],
    });
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 10, available: 4, held: 6, reserved: 0, sold: 0 });
  });

  it('validates the total', async () => {
    const sku = await createSku(api, 1);
    const admin = await api.adminToken();

    for (const body of [{ total: -1 }, { total: 2.5 }, { total: '3' }, {}, { total: 5, shards: 0 }, { total: 5, shards: 33 }, { total: 5, shards: 1.5 }]) {
      const res = await api.put(`/admin/inventory/${sku}`, { token: admin, body });
      expect(res.status).toBe(400);
    }
  });
});

describe('POST /admin/inventory/{sku}/adjust', () => {
  it('restocks and writes off, keeping the invariant', async () => {
    const sku = await createSku(api, 0);
    const admin = await api.adminToken();

    const restocked = await api.post(`/admin/inventory/${sku}/adjust`, { token: admin, body: { delta: 12 } });
    await api.post('/cart/items', { token: await api.customerToken(), body: { sku, quantity: 5 } });
    const writtenOff = await api.post(`/admin/inventory/${sku}/adjust`, { token: admin, body: { delta: -7 } });

    expect(restocked.status).toBe(200);
    expect(restocked.body).toEqual({ sku, total: 12, available: 12, held: 0, reserved: 0, sold: 0, shards: 1 });
    expect(writtenOff.body).toEqual({ sku, total: 5, available: 0, held: 5, reserved: 0, sold: 0, shards: 1 });
  });

  it('refuses to take available below zero with 409', async () => {
    const sku = await createSku(api, 3);
    await api.post('/cart/items', { token: await api.customerToken(), body: { sku, quantity: 2 } });

    const res = await api.post(`/admin/inventory/${sku}/adjust`, { token: await api.adminToken(), body: { delta: -2 } });

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INVENTORY_BELOW_COMMITTED');
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 3, available: 1, held: 2, reserved: 0, sold: 0 });
  });

  it('applies a retried adjustment with the same Idempotency-Key once', async () => {
    const sku = await createSku(api, 10);
    const admin = await api.adminToken();
    const headers = { 'idempotency-key': `restock-${sku}` };

    const first = await api.post(`/admin/inventory/${sku}/adjust`, { token: admin, headers, body: { delta: 5 } });
    const retry = await api.post(`/admin/inventory/${sku}/adjust`, { token: admin, headers, body: { delta: 5 } });

    expect(first.body.total).toBe(15);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await inventoryOf(api, sku)).toMatchObject({ total: 15, available: 15 });
  });

  it('keeps the invariant under concurrent restocks, write-offs and holds', async () => {
    const sku = await createSku(api, 50);
    const admin = await api.adminToken();
    const customers = await Promise.all(Array.from({ length: 20 }, () => api.customerToken()));

    const results = await Promise.all([
      ...customers.map((token) => api.post('/cart/items', { token, body: { sku, quantity: 2 } })),
      ...Array.from({ length: 10 }, (_, i) =>
        api.post(`/admin/inventory/${sku}/adjust`, { token: admin, body: { delta: i % 2 ? 3 : -4 } }),
      ),
    ]);

    const stock = await inventoryOf(api, sku);
    const heldByCarts = results.slice(0, 20).filter((r) => r.status === 201).length * 2;
    const adjusted = results.slice(20).reduce((sum, r, i) => sum + (r.status === 200 ? (i % 2 ? 3 : -4) : 0), 0);
    expect(results.every((r) => [200, 201, 409].includes(r.status))).toBe(true);
    expect(invariantViolations(stock)).toEqual([]);
    expect(stock).toMatchObject({ total: 50 + adjusted, held: heldByCarts });
  });
});

describe('who may touch inventory', () => {
  it('answers 404 for a SKU outside the catalog on every inventory route', async () => {
    const admin = await api.adminToken();

    const put = await api.put('/admin/inventory/NO-SUCH-SKU-8', { token: admin, body: { total: 5 } });
    const adjust = await api.post('/admin/inventory/NO-SUCH-SKU-8/adjust', { token: admin, body: { delta: 5 } });

    expect(put.status).toBe(404);
    expect(adjust.status).toBe(404);
    expect((await api.get('/admin/inventory/NO-SUCH-SKU-8', { token: admin })).status).toBe(404);
  });

  it('answers 403 to a customer and 401 without a token, changing nothing', async () => {
    const sku = await createSku(api, 5);
    const customer = await api.customerToken();

    const responses = [
      await api.get(`/admin/inventory/${sku}`, { token: customer }),
      await api.put(`/admin/inventory/${sku}`, { token: customer, body: { total: 100 } }),
      await api.post(`/admin/inventory/${sku}/adjust`, { token: customer, body: { delta: 100 } }),
    ];

    expect(responses.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(responses.every((r) => r.body.error.code === 'FORBIDDEN')).toBe(true);
    expect((await api.put(`/admin/inventory/${sku}`, { body: { total: 100 } })).status).toBe(401);
    expect(await inventoryOf(api, sku)).toMatchObject({ total: 5, available: 5 });
  });
});
