import { jest } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTES } from '../../lib/routes';
import { createSku, inventoryOf } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import { checkout, customerWithCart, SHIPPING, waitForStatus } from '../../bin/support/orders';
import { randomUUID } from 'node:crypto';

/**
 * Customer A owns things; customer B tries every route with A's ids and must never see or
 * change them (404, or 403 on admin routes); without a token every protected route is 401.
 */
const api = apiClient();
// Calls to Stripe and cold handlers on a busy machine outlast jest's 5 s default.
jest.setTimeout(30_000);
const FUNCTIONS_API = join(import.meta.dirname, '..', '..', 'functions', 'api');
const implemented = (handler: string) => existsSync(join(FUNCTIONS_API, `${handler}.ts`));
/** A concrete path for a route template, e.g. /admin/products/{productId} → /admin/products/X. */
const concrete = (path: string) => path.replace(/\{\w+\}/g, 'isolation-probe');
const bodyFor = (method: string) => (method === 'GET' ? undefined : {});

const address = { name: 'Alice A', line1: '1 Private Rd', city: 'Springfield', postalCode: '12345', country: 'US' };

let alice: string;
let bob: string;

beforeAll(async () => {
  alice = await api.token(`alice-${Date.now()}`);
  bob = await api.token(`bob-${Date.now()}`);
});

describe('profile and addresses of another customer', () => {
  let aliceAddress: { id: string };
  let aliceCursor: string;

  beforeAll(async () => {
    await api.put('/me', { token: alice, body: { name: 'Alice', email: 'alice@example.com' } });
    aliceAddress = (await api.post('/me/addresses', { token: alice, body: address })).body;
    await api.post('/me/addresses', { token: alice, body: { ...address, line1: '2 Private Rd' } });
    aliceCursor = (await api.get('/me/addresses?limit=1', { token: alice })).body.nextCursor;
    expect(aliceAddress.id).toBeTruthy();
    expect(aliceCursor).toBeTruthy();
  });

  it('GET /me answers with the caller, never with another profile', async () => {
    const res = await api.get('/me', { token: bob });
    expect(res.status).toBe(200);
    expect(res.body.name).toBeUndefined();
    expect(res.body.email).toBeUndefined();
    expect(res.body.id).not.toBe((await api.get('/me', { token: alice })).body.id);
  });

  it("lists none of A's addresses for B, even with A's cursor", async () => {
    const list = await api.get('/me/addresses', { token: bob });
    const paged = await api.get(`/me/addresses?cursor=${encodeURIComponent(aliceCursor)}`, { token: bob });
    expect(list.body).toEqual({ items: [], nextCursor: null });
    expect(paged.status).toBe(200);
    expect(paged.body.items).toEqual([]);
  });

  it("answers B's PUT and DELETE of A's address with 404 and leaves it unchanged", async () => {
    const put = await api.put(`/me/addresses/${aliceAddress.id}`, { token: bob, body: { ...address, name: 'Mallory' } });
    const del = await api.delete(`/me/addresses/${aliceAddress.id}`, { token: bob });

    expect(put.status).toBe(404);
    expect(del.status).toBe(404);
    expect(JSON.stringify([put.body, del.body])).not.toContain('Private Rd');
    const mine = (await api.get('/me/addresses', { token: alice })).body.items;
    expect(mine.map((a: { id: string; name: string }) => [a.id, a.name])).toContainEqual([aliceAddress.id, 'Alice A']);
    expect(mine).toHaveLength(2);
  });
});

describe('saved cards of another customer', () => {
  let aliceCard: { id: string; last4: string };

  beforeAll(async () => {
    aliceCard = (await api.post('/me/payment-methods', { token: alice, body: { paymentMethodId: 'pm_card_mastercard' } })).body;
    expect(aliceCard.id).toMatch(/^pm_/);
  });

  it("lists none of A's cards for B, even with A's card as the cursor", async () => {
    await api.post('/me/payment-methods', { token: bob, body: { paymentMethodId: 'pm_card_visa' } });

    const list = await api.get('/me/payment-methods', { token: bob });
    const paged = await api.get(`/me/payment-methods?cursor=${aliceCard.id}`, { token: bob });

    expect(list.body.items.map((c: { last4: string }) => c.last4)).toEqual(['4242']);
    expect([200, 400]).toContain(paged.status);
    expect(JSON.stringify(paged.body)).not.toContain(aliceCard.id);
  });

  it("answers B's DELETE of A's card with 404 and B's save of it with 400, leaving it A's", async () => {
    const del = await api.delete(`/me/payment-methods/${aliceCard.id}`, { token: bob });
    const steal = await api.post('/me/payment-methods', { token: bob, body: { paymentMethodId: aliceCard.id } });

    expect(del.status).toBe(404);
    expect(steal.status).toBe(400);
    expect(JSON.stringify([del.body, steal.body])).not.toMatch(/cus_|4444/);
    expect((await api.get('/me/payment-methods', { token: alice })).body.items).toEqual([aliceCard]);
    expect((await api.get('/me/payment-methods', { token: bob })).body.items.map((c: { id: string }) => c.id)).not.toContain(aliceCard.id);
  });
});

describe('cart of another customer', () => {
  let sku: string;

  beforeAll(async () => {
    sku = await createSku(api, 5);
    const added = await api.post('/cart/items', { token: alice, body: { sku, quantity: 2 } });
    expect(added.status).toBe(201);
  });

  it("shows B a cart without A's line", async () => {
    const cart = await api.get('/cart', { token: bob });
    expect(cart.status).toBe(200);
    expect(JSON.stringify(cart.body)).not.toContain(sku);
  });

  it("answers B's PATCH and DELETE of A's line with 404 and leaves A's hold alone", async () => {
    const patch = await api.patch(`/cart/items/${sku}`, { token: bob, body: { quantity: 5 } });
    const del = await api.delete(`/cart/items/${sku}`, { token: bob });

    expect([patch.status, del.status]).toEqual([404, 404]);
    const mine = (await api.get('/cart', { token: alice })).body.items;
    expect(mine.map((line: { sku: string; quantity: number }) => [line.sku, line.quantity])).toEqual([[sku, 2]]);
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 3, held: 2 });
  });
});

describe('orders of another customer', () => {
  it("never shows, lists or cancels another customer's order", async () => {
    const owner = await customerWithCart(api);
    const placed = await checkout(api, owner.token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });
    expect(placed.status).toBe(202);
    const orderId: string = placed.body.id;
    await waitForStatus(api, owner.token, orderId, 'PAID');

    const read = await api.get(`/orders/${orderId}`, { token: bob });
    const cancel = await api.post(`/orders/${orderId}/cancel`, { token: bob, headers: { 'idempotency-key': randomUUID() } });
    const listed = await api.get('/orders', { token: bob });

    expect([read.status, read.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect(cancel.status).toBe(404);
    expect(listed.body.items.map((o: { id: string }) => o.id)).not.toContain(orderId);
    expect((await api.get(`/orders/${orderId}`, { token: owner.token })).body.status).toBe('PAID');
  });
});

describe('authentication and roles', () => {
  const isProtected = ROUTES.filter((r) => r.auth !== 'public');

  it('answers every protected route without a token, or with a forged one, with 401', async () => {
    const forged = `${bob.slice(0, -4)}AAAA`;
    for (const route of isProtected) {
      const path = concrete(route.path);
      const anonymous = await api.call(route.method, path, { body: bodyFor(route.method) });
      const tampered = await api.call(route.method, path, { body: bodyFor(route.method), token: forged });
      expect([route.path, anonymous.status, anonymous.body?.error?.code]).toEqual([route.path, 401, 'UNAUTHORIZED']);
      expect([route.path, tampered.status]).toEqual([route.path, 401]);
    }
  });

  it('answers every implemented admin route with a customer token with 403', async () => {
    const adminRoutes = ROUTES.filter((r) => r.auth === 'admin' && implemented(r.handler));
    for (const route of adminRoutes) {
      const res = await api.call(route.method, concrete(route.path), { body: bodyFor(route.method), token: bob });
      expect([route.method, route.path, res.status, res.body?.error?.code]).toEqual([route.method, route.path, 403, 'FORBIDDEN']);
    }
  });
});
