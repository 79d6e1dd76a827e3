import { createSku, inventoryOf, invariantViolations } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';

const api = apiClient();
const HOLD_SECONDS = 900; // the global stack runs with the default HOLD_TTL_SECONDS

describe('GET /cart', () => {
  it('answers an empty cart with an id and a zero subtotal for a new customer', async () => {
    const token = await api.customerToken();

    const res = await api.route('get-cart', { token });

    expect(res.expectStatus(200)).toEqual({ id: expect.stringMatching(/^cart_/), items: [], subtotal: { amount: 0, currency: 'USD' } });
  });

  it('needs a customer token', async () => {
    expect((await api.route('get-cart')).status).toBe(401);
    expect((await api.route('add-cart-item', { body: { sku: 'X', quantity: 1 } })).status).toBe(401);
  });
});

describe('POST /cart/items', () => {
  it('adds a line with a soft hold and moves the units from available to held', async () => {
    const sku = await createSku(api, 10, 1250);
    const token = await api.customerToken();
    const before = Date.now();

    const cart = (await api.route('add-cart-item', { token, body: { sku, quantity: 3 } })).expectStatus(201);

    expect(cart.items).toEqual([
      { sku, productId: expect.any(String), name: expect.stringContaining(sku), quantity: 3, unitPrice: { amount: 1250, currency: 'USD' }, holdExpiresAt: expect.any(String) },
    ]);
    expect(cart.subtotal).toEqual({ amount: 3750, currency: 'USD' });
    const expiresIn = Date.parse(cart.items[0]!.holdExpiresAt) - before;
    expect(expiresIn).toBeGreaterThan((HOLD_SECONDS - 5) * 1000);
    expect(expiresIn).toBeLessThan((HOLD_SECONDS + 5) * 1000);
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 10, available: 7, held: 3, reserved: 0, sold: 0 });
  });

  it('grows an existing line by the added units and renews its hold', async () => {
    const sku = await createSku(api, 10);
    const token = await api.customerToken();
    const first = (await api.route('add-cart-item', { token, body: { sku, quantity: 2 } })).expectStatus(201);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const second = (await api.route('add-cart-item', { token, body: { sku, quantity: 3 } })).expectStatus(200);

    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.quantity).toBe(5);
    expect(second.items[0]!.holdExpiresAt > first.items[0]!.holdExpiresAt).toBe(true);
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 5, held: 5 });
  });

  it('refuses more than is available with 409 INSUFFICIENT_STOCK and what is left', async () => {
    const sku = await createSku(api, 4);
    const token = await api.customerToken();
    await api.route('add-cart-item', { token: await api.customerToken(), body: { sku, quantity: 3 } });

    const res = await api.route('add-cart-item', { token, body: { sku, quantity: 2 } });

    expect(res.expectStatus(409).error).toEqual({
      code: 'INSUFFICIENT_STOCK',
      message: expect.any(String),
      details: [{ sku, requested: 2, available: 1 }],
    });
    expect((await api.route('get-cart', { token })).expectStatus(200).items).toEqual([]);
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 1, held: 3 });
  });

  it('answers 404 for a SKU outside the catalog and 409 INSUFFICIENT_STOCK for one never stocked', async () => {
    const token = await api.customerToken();
    const unstocked = await createSku(api, 0);

    const unknown = await api.route('add-cart-item', { token, body: { sku: 'NO-SUCH-SKU-42', quantity: 1 } });
    const empty = await api.route('add-cart-item', { token, body: { sku: unstocked, quantity: 1 } });

    expect(unknown.expectStatus(404).error.code).toBe('NOT_FOUND');
    expect(empty.expectStatus(409).error.details).toEqual([{ sku: unstocked, requested: 1, available: 0 }]);
  });

  it('validates the quantity (1..99 per request, 99 per line)', async () => {
    const sku = await createSku(api, 200);
    const token = await api.customerToken();

    for (const quantity of [0, 100, 1.5, '2']) {
      const res = await api.post('/cart/items', { token, body: { sku, quantity } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await api.route('add-cart-item', { token, body: { sku, quantity: 60 } })).status).toBe(201);
    const over = await api.route('add-cart-item', { token, body: { sku, quantity: 40 } });
    expect(over.expectStatus(409).error.code).toBe('CART_LINE_LIMIT');
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 140, held: 60 });
  });

  it('holds once for a retried request with the same Idempotency-Key', async () => {
    const sku = await createSku(api, 10);
    const token = await api.customerToken();
    const headers = { 'idempotency-key': `add-${sku}` };

    const first = await api.route('add-cart-item', { token, headers, body: { sku, quantity: 2 } });
    const retry = await api.route('add-cart-item', { token, headers, body: { sku, quantity: 2 } });
    const otherBody = await api.route('add-cart-item', { token, headers, body: { sku, quantity: 3 } });

    expect(retry.expectStatus(201)).toEqual(first.expectStatus(201));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(otherBody.expectStatus(422).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 8, held: 2 });
  });
});

describe('PATCH /cart/items/{sku}', () => {
  it('moves only the difference with the stock, both ways, and 0 removes the line', async () => {
    const sku = await createSku(api, 10);
    const token = await api.customerToken();
    await api.route('add-cart-item', { token, body: { sku, quantity: 2 } });
    const change = (quantity: number) => api.route('update-cart-item', { token, params: { sku }, body: { quantity } });

    const up = (await change(7)).expectStatus(200);
    const afterUp = await inventoryOf(api, sku);
    const down = (await change(1)).expectStatus(200);
    const afterDown = await inventoryOf(api, sku);
    const zero = (await change(0)).expectStatus(200);

    expect(up.items[0]!.quantity).toBe(7);
    expect(afterUp).toMatchObject({ available: 3, held: 7 });
    expect(down.items[0]!.quantity).toBe(1);
    expect(afterDown).toMatchObject({ available: 9, held: 1 });
    expect(zero.items).toEqual([]);
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 10, held: 0 });
  });

  it('refuses to grow beyond the stock and leaves the line as it was', async () => {
    const sku = await createSku(api, 5);
    const token = await api.customerToken();
    await api.route('add-cart-item', { token, body: { sku, quantity: 2 } });

    const res = await api.route('update-cart-item', { token, params: { sku }, body: { quantity: 6 } });

    expect(res.expectStatus(409).error.details).toEqual([{ sku, requested: 4, available: 3 }]);
    expect((await api.route('get-cart', { token })).expectStatus(200).items[0]!.quantity).toBe(2);
  });

  it("answers 404 for a line that is not in the caller's cart", async () => {
    const sku = await createSku(api, 5);
    const owner = await api.customerToken();
    await api.route('add-cart-item', { token: owner, body: { sku, quantity: 1 } });

    const res = await api.route('update-cart-item', { token: await api.customerToken(), params: { sku }, body: { quantity: 2 } });

    expect(res.expectStatus(404).error.code).toBe('NOT_FOUND');
    expect(await inventoryOf(api, sku)).toMatchObject({ held: 1 });
  });
});

describe('DELETE /cart/items/{sku}', () => {
  it('releases the hold once: 204, then 404', async () => {
    const sku = await createSku(api, 5);
    const token = await api.customerToken();
    await api.route('add-cart-item', { token, body: { sku, quantity: 4 } });

    const first = await api.route('remove-cart-item', { token, params: { sku } });
    const again = await api.route('remove-cart-item', { token, params: { sku } });

    expect(first.status).toBe(204);
    expect(again.status).toBe(404);
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 5, available: 5, held: 0, reserved: 0, sold: 0 });
  });

  it('releases at most once when the same customer deletes concurrently', async () => {
    const sku = await createSku(api, 5);
    const token = await api.customerToken();
    await api.route('add-cart-item', { token, body: { sku, quantity: 3 } });

    const results = await Promise.all(Array.from({ length: 10 }, () => api.route('remove-cart-item', { token, params: { sku } })));

    expect(results.filter((r) => r.status === 204)).toHaveLength(1);
    expect(results.filter((r) => r.status === 404)).toHaveLength(9);
    const stock = await inventoryOf(api, sku);
    expect(invariantViolations(stock)).toEqual([]);
    expect(stock).toMatchObject({ available: 5, held: 0 });
  });
});

describe('a cart with several lines', () => {
  it('lists lines oldest first with the subtotal, and only its own', async () => {
    const [a, b] = [await createSku(api, 5, 1000), await createSku(api, 5, 250)];
    const token = await api.customerToken();
    await api.route('add-cart-item', { token, body: { sku: a, quantity: 1 } });
    await api.route('add-cart-item', { token, body: { sku: b, quantity: 4 } });
    await api.route('add-cart-item', { token: await api.customerToken(), body: { sku: a, quantity: 1 } });

    const cart = (await api.route('get-cart', { token })).expectStatus(200);

    expect(cart.items.map((i) => [i.sku, i.quantity])).toEqual([[a, 1], [b, 4]]);
    expect(cart.subtotal).toEqual({ amount: 2000, currency: 'USD' });
  });
});
