import { randomUUID } from 'node:crypto';
import { apiClient } from '../../bin/support/api';
import { checkout, SHIPPING, waitForStatus } from '../../bin/support/orders';
import { createSku, inventoryWithShards, invariantViolations } from '../../bin/support/skus';

const api = apiClient();

const shard = async (sku: string, total: number, shards: number) => {
  const res = await api.put(`/admin/inventory/${sku}`, { token: await api.adminToken(), body: { total, shards } });
  if (res.status !== 200) throw new Error(`PUT /admin/inventory answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
};

describe('a flash sale on a sharded SKU', () => {
  /**
   * Issue 14's proof: every buyer's request is in flight at once, so they meet on the shards
   * (conflicts, shards running dry, the fallback reads) as a drop's crowd would. The local
   * runtime runs 64 of them at a time and queues the rest before their handler starts, as a
   * scaling Lambda would (lib/local/lambda-runtime.ts), so no handler times out waiting for CPU.
   */
  it('never oversells: 500 buyers of 1 unit, all at once, on 16 shards of 120 units give exactly 120 holds', async () => {
    // Prepare
    const sku = await createSku(api, 0);
    expect(await shard(sku, 120, 16)).toEqual({ sku, total: 120, available: 120, held: 0, reserved: 0, sold: 0, shards: 16 });
    const tokens = await Promise.all(Array.from({ length: 500 }, () => api.customerToken()));

    // Act: 500 requests in flight at once
    const results = await Promise.all(tokens.map((token) => api.post('/cart/items', { token, body: { sku, quantity: 1 } })));

    // Assess
    const won = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => [r.status, r.body])).toEqual([]);
    expect({ won: won.length, refused: refused.length }).toEqual({ won: 120, refused: 380 });
    expect(refused.every((r) => r.body.error.code === 'INSUFFICIENT_STOCK' && r.body.error.details[0].available === 0)).toBe(true);
    const stock = await inventoryWithShards(api, sku);
    expect(stock).toEqual({ sku, total: 120, available: 0, held: 120, reserved: 0, sold: 0, shards: 16 });
    expect(invariantViolations(stock)).toEqual([]);
    const product = await api.get(`/products/${won[0]!.body.items[0].productId}`);
    expect(product.body.variants[0].available).toBe(0);
  }, 120_000);

  it('re-shards while holds exist and keeps the invariant at every sample, then sells from the shards', async () => {
    // Prepare: 10 customers hold 2 each of 40 units on one shard
    const sku = await createSku(api, 40);
    const customers = await Promise.all(Array.from({ length: 10 }, () => api.customerToken()));
    await Promise.all(customers.map((token) => api.post('/cart/items', { token, body: { sku, quantity: 2 } })));
    const samples: string[][] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) samples.push(invariantViolations(await inventoryWithShards(api, sku)));
    })();

    // Act: re-shard up while the customers keep changing their lines, then back down
    const churn = customers.map((token, i) => api.patch(`/cart/items/${sku}`, { token, body: { quantity: 1 + (i % 3) } }));
    const [up] = await Promise.all([shard(sku, 40, 8), ...churn]);
    const more = await api.post('/cart/items', { token: customers[0]!, body: { sku, quantity: 1 } });
    const down = await shard(sku, 40, 2);
    sampling = false;
    await sampler;

    // Assess
    expect(up.shards).toBe(8);
    expect(more.status).toBe(200);
    expect(down).toMatchObject({ total: 40, shards: 2 });
    expect(samples.length).toBeGreaterThan(3);
    expect(samples.filter((s) => s.length)).toEqual([]);
    const carts = await Promise.all(customers.map(async (token) => (await api.get('/cart', { token })).body.items[0]?.quantity ?? 0));
    const held = carts.reduce((a: number, b: number) => a + b, 0);
    expect(await inventoryWithShards(api, sku)).toEqual({ sku, total: 40, available: 40 - held, held, reserved: 0, sold: 0, shards: 2 });

    // Act: a customer buys from a re-sharded SKU; the others let go
    const placed = await checkout(api, customers[1]!, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING }, randomUUID());
    await waitForStatus(api, customers[1]!, placed.body.id, 'PAID');
    await Promise.all(customers.slice(2).map((token) => api.delete(`/cart/items/${sku}`, { token })));

    // Assess: the sale and the releases landed on the shards the units came from
    const after = await inventoryWithShards(api, sku);
    expect(after).toMatchObject({ total: 40, held: carts[0], reserved: 0, sold: carts[1], shards: 2 });
    expect(invariantViolations(after)).toEqual([]);
  }, 120_000);

  it('gathers units scattered over shards for a line that no single shard can fill', async () => {
    // Prepare: 16 units, one per shard
    const sku = await createSku(api, 0);
    await shard(sku, 16, 16);
    const token = await api.customerToken();

    // Act
    const added = await api.post('/cart/items', { token, body: { sku, quantity: 5 } });
    const grown = await api.patch(`/cart/items/${sku}`, { token, body: { quantity: 16 } });
    const tooMany = await api.post('/cart/items', { token: await api.customerToken(), body: { sku, quantity: 1 } });

    // Assess
    expect([added.status, grown.status, tooMany.status]).toEqual([201, 200, 409]);
    expect(await inventoryWithShards(api, sku)).toEqual({ sku, total: 16, available: 0, held: 16, reserved: 0, sold: 0, shards: 16 });
    await api.delete(`/cart/items/${sku}`, { token });
    expect(await inventoryWithShards(api, sku)).toMatchObject({ total: 16, available: 16, held: 0 });
  }, 60_000);
});
