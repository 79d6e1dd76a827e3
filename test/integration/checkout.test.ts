import { randomUUID } from 'node:crypto';
import { createSku, inventoryOf, invariantViolations, productIdInCart, setPrice } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import { checkout, customerWithCart, paymentIntentsOf, SHIPPING, stripeClient, waitForStatus, type OrderView } from '../../bin/support/orders';

const api = apiClient();
const VISA = 'pm_card_visa';

describe('POST /checkout', () => {
  it('turns the cart into a PENDING order: 202, Location, lines, total, cart emptied, holds reserved', async () => {
    // Prepare
    const { sku, token } = await customerWithCart(api, { stock: 10, quantity: 3, price: 1250 });

    // Act
    const res = await api.route('checkout', { token, body: { paymentMethodId: VISA, shippingAddress: SHIPPING }, headers: { 'idempotency-key': randomUUID() } });

    // Assess
    const order = res.expectStatus(202);
    expect(res.headers.get('location')).toBe(`/orders/${order.id}`);
    expect(order).toEqual({
      id: expect.stringMatching(/^ord_/),
      status: 'PENDING',
      items: [{ sku, productId: expect.any(String), name: expect.stringContaining(sku), quantity: 3, unitPrice: { amount: 1250, currency: 'USD' } }],
      total: { amount: 3750, currency: 'USD' },
      shippingAddress: SHIPPING,
      payment: { status: 'pending', paymentIntentId: null },
      history: [{ status: 'PENDING', at: order.createdAt }],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await api.route('get-cart', { token })).expectStatus(200).items).toEqual([]);
    const stock = await inventoryOf(api, sku);
    expect(stock).toMatchObject({ total: 10, available: 7, held: 0 });
    expect(stock.reserved + stock.sold).toBe(3);
    expect(invariantViolations(stock)).toEqual([]);
  }, 60_000);

  it('needs an Idempotency-Key', async () => {
    const { token } = await customerWithCart(api);

    const res = await api.post('/checkout', { token, body: { paymentMethodId: VISA, shippingAddress: SHIPPING } });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
  }, 60_000);

  it('answers an empty cart with 409 CART_EMPTY', async () => {
    const token = await api.customerToken();

    const res = await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING });

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CART_EMPTY');
  }, 60_000);

  it('validates the body: a payment method and exactly one of shippingAddress / addressId (or a default address)', async () => {
    const { token, sku } = await customerWithCart(api);

    const noMethod = await checkout(api, token, { shippingAddress: SHIPPING });
    const both = await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING, addressId: 'adr_x' });
    const neither = await checkout(api, token, { paymentMethodId: VISA });
    const unknownAddress = await checkout(api, token, { paymentMethodId: VISA, addressId: 'adr_nope' });
    const badAddress = await checkout(api, token, { paymentMethodId: VISA, shippingAddress: { ...SHIPPING, country: 'XX' } });

    for (const res of [noMethod, both, neither, unknownAddress, badAddress]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await api.get('/cart', { token })).body.items.map((i: { sku: string }) => i.sku)).toEqual([sku]);
  }, 60_000);

  it('ships to a saved address by id, and to the default address when none is named', async () => {
    const first = await customerWithCart(api);
    const saved = (await api.route('create-address', { token: first.token, body: { ...SHIPPING, name: 'Saved Name' } })).expectStatus(201);

    const byId = await checkout(api, first.token, { paymentMethodId: VISA, addressId: saved.id });
    await api.route('add-cart-item', { token: first.token, body: { sku: first.sku, quantity: 1 } });
    const byDefault = await checkout(api, first.token, { paymentMethodId: VISA });

    expect(byId.status).toBe(202);
    expect(byId.body.shippingAddress).toEqual({ ...SHIPPING, name: 'Saved Name' });
    expect(byDefault.status).toBe(202);
    expect(byDefault.body.shippingAddress).toEqual({ ...SHIPPING, name: 'Saved Name' });
  }, 60_000);

  it('pays with a saved card and ships to a saved address, both named by their ids', async () => {
    const { token } = await customerWithCart(api);
    const address = (await api.route('create-address', { token, body: SHIPPING })).expectStatus(201);
    const card = (await api.route('create-payment-method', { token, body: { paymentMethodId: VISA } })).expectStatus(201);

    const placed = await checkout(api, token, { paymentMethodId: card.id, addressId: address.id });
    const paid = await waitForStatus(api, token, placed.body.id, 'PAID');
    const [intent] = await paymentIntentsOf(stripeClient(), placed.body.id);

    expect(placed.status).toBe(202);
    expect(card.id).toMatch(/^pm_/);
    expect(card.id).not.toBe(VISA);
    expect(paid.shippingAddress).toEqual(SHIPPING);
    expect(intent).toMatchObject({ status: 'succeeded', payment_method: card.id });
    expect(intent!.customer).toBeTruthy();
  }, 60_000);

  it('replays the same key with the same body, and refuses it with another body (422)', async () => {
    const { token } = await customerWithCart(api);
    const key = randomUUID();
    const body = { paymentMethodId: VISA, shippingAddress: SHIPPING };

    const first = await checkout(api, token, body, key);
    const replay = await checkout(api, token, body, key);
    const other = await checkout(api, token, { ...body, shippingAddress: { ...SHIPPING, city: 'Paris' } }, key);

    expect(first.status).toBe(202);
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(other.status).toBe(422);
  }, 60_000);

  it('creates exactly one order and one PaymentIntent for 5 concurrent identical checkouts with one key', async () => {
    // Prepare
    const { token } = await customerWithCart(api, { quantity: 2 });
    const key = randomUUID();
    const body = { paymentMethodId: VISA, shippingAddress: SHIPPING };

    // Act
    const answers = await Promise.all(Array.from({ length: 5 }, () => checkout(api, token, body, key)));

    // Assess
    const accepted = answers.filter((a) => a.status === 202);
    const inProgress = answers.filter((a) => a.status === 409 && a.body.error.code === 'IDEMPOTENCY_IN_PROGRESS');
    expect(accepted.length + inProgress.length).toBe(5);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    const orderIds = new Set(accepted.map((a) => a.body.id));
    expect(orderIds.size).toBe(1);
    const [orderId] = [...orderIds] as [string];
    const paid = await waitForStatus(api, token, orderId, 'PAID');
    const listed: OrderView[] = (await api.route('list-orders', { token })).expectStatus(200).items;
    expect(listed.map((o) => o.id)).toEqual([orderId]);
    const intents = await paymentIntentsOf(stripeClient(), orderId);
    expect(intents.map((i) => i.id)).toEqual([paid.payment.paymentIntentId]);
    expect(intents[0]!.status).toBe('succeeded');
  }, 60_000);

  it('charges the cart subtotal when no price changed since the lines were added', async () => {
    const { token } = await customerWithCart(api, { quantity: 2, price: 999 });
    const cart = (await api.get('/cart', { token })).body;

    const res = await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING });

    expect(res.body.total).toEqual(cart.subtotal);
  }, 60_000);
});

describe('POST /checkout after a price change', () => {
  it('answers 409 PRICE_CHANGED once, then charges the current catalog price (and a retry replays that answer)', async () => {
    // Prepare: a line added at 1000, the price raised to 5000, a PATCH that renews the hold
    const { sku, token } = await customerWithCart(api, { quantity: 2, price: 1000 });
    await setPrice(api, await productIdInCart(api, token, sku), sku, 5000);
    await api.patch(`/cart/items/${sku}`, { token, body: { quantity: 2 } });
    const body = { paymentMethodId: VISA, shippingAddress: SHIPPING };
    const key = randomUUID();

    // Act
    const shown = (await api.get('/cart', { token })).body;
    const refused = await checkout(api, token, body, key);
    const seen = (await api.get('/cart', { token })).body;
    const stillHeld = await inventoryOf(api, sku);
    const placed = await checkout(api, token, body, key);
    const replay = await checkout(api, token, body, key);

    // Assess
    const [was, now] = [{ amount: 1000, currency: 'USD' }, { amount: 5000, currency: 'USD' }];
    expect(shown.items[0]).toMatchObject({ sku, unitPrice: now, previousUnitPrice: was });
    expect(shown.subtotal).toEqual({ amount: 10000, currency: 'USD' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'PRICE_CHANGED', details: [{ sku, previousUnitPrice: was, unitPrice: now }] });
    expect(seen.items[0].unitPrice).toEqual(now);
    expect(seen.items[0]).not.toHaveProperty('previousUnitPrice');
    expect(stillHeld).toMatchObject({ available: 8, held: 2 });
    expect(placed.status).toBe(202);
    expect(placed.body.items).toEqual([expect.objectContaining({ sku, quantity: 2, unitPrice: now })]);
    expect(placed.body.total).toEqual({ amount: 10000, currency: 'USD' });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(placed.body.id);
    await waitForStatus(api, token, placed.body.id, 'PAID');
    expect((await paymentIntentsOf(stripeClient(), placed.body.id)).map((i) => i.amount)).toEqual([10000]);
  }, 60_000);

  it('refuses a lowered price too, and keeps the stock held while the customer looks', async () => {
    const { sku, token } = await customerWithCart(api, { stock: 5, quantity: 1, price: 2000 });
    await setPrice(api, await productIdInCart(api, token, sku), sku, 1500);

    const refused = await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING });
    const stock = await inventoryOf(api, sku);
    const placed = await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING });

    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual([{ sku, previousUnitPrice: { amount: 2000, currency: 'USD' }, unitPrice: { amount: 1500, currency: 'USD' } }]);
    expect(stock).toMatchObject({ available: 4, held: 1 });
    expect(placed.status).toBe(202);
    expect(placed.body.total).toEqual({ amount: 1500, currency: 'USD' });
  }, 60_000);
});

describe('GET /orders and GET /orders/{id}', () => {
  it("lists the caller's own orders newest first, paginated with a cursor", async () => {
    // Prepare: three orders of one customer
    const token = await api.customerToken();
    const sku = await createSku(api, 10);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      await api.route('add-cart-item', { token, body: { sku, quantity: 1 } });
      ids.push((await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING })).body.id);
    }

    // Act
    const first = (await api.route('list-orders', { token, query: { limit: 2 } })).expectStatus(200);
    const second = (await api.route('list-orders', { token, query: { limit: 2, cursor: first.nextCursor! } })).expectStatus(200);

    // Assess
    expect(first.items.map((o) => o.id)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    expect((await api.get('/orders?cursor=not-a-cursor', { token })).status).toBe(400);
  }, 60_000);

  it("answers another customer's order with 404, as if it did not exist", async () => {
    const { token } = await customerWithCart(api);
    const order = (await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING })).body;
    const stranger = await api.customerToken();

    const read = await api.route('get-order', { token: stranger, params: { orderId: order.id } });
    const cancel = await api.route('cancel-order', { token: stranger, params: { orderId: order.id } });
    const list = await api.route('list-orders', { token: stranger });

    expect(read.expectStatus(404).error.code).toBe('NOT_FOUND');
    expect(cancel.expectStatus(404).error.code).toBe('NOT_FOUND');
    expect(list.expectStatus(200)).toEqual({ items: [], nextCursor: null });
    expect((await api.route('get-order', { token, params: { orderId: order.id } })).status).toBe(200);
    expect((await api.route('get-order', { token, params: { orderId: 'ord_doesnotexist' } })).status).toBe(404);
  }, 60_000);

  it('needs a customer token', async () => {
    expect((await api.route('list-orders')).status).toBe(401);
    expect((await api.route('checkout', { body: { paymentMethodId: VISA } })).status).toBe(401);
  }, 60_000);
});

describe('GET /admin/orders', () => {
  it('lists the store orders by status (gsi2) and all of them (gsi3), admins only', async () => {
    const { token } = await customerWithCart(api);
    const order = (await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING })).body;
    await waitForStatus(api, token, order.id, 'PAID');
    const admin = await api.adminToken();

    const paid = await api.route('admin-list-orders', { token: admin, query: { status: 'paid', limit: 100 } });
    const pending = await api.route('admin-list-orders', { token: admin, query: { status: 'PENDING', limit: 100 } });
    const all = await api.route('admin-list-orders', { token: admin, query: { limit: 5 } });

    expect(paid.expectStatus(200).items.find((o) => o.id === order.id)).toMatchObject({ status: 'PAID', customerId: expect.any(String) });
    expect(pending.expectStatus(200).items.map((o) => o.id)).not.toContain(order.id);
    const newestFirst = all.expectStatus(200).items;
    expect(newestFirst.length).toBeGreaterThan(0);
    expect(newestFirst.every((o, i, list) => i === 0 || list[i - 1]!.createdAt >= o.createdAt)).toBe(true);
    expect((await api.get('/admin/orders?status=LOST', { token: admin })).status).toBe(400);
    expect((await api.route('admin-list-orders', { token })).status).toBe(403);
  }, 60_000);
});
