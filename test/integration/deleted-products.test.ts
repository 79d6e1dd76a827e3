import { createSku, inventoryOf, invariantViolations, productIdInCart } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import { checkout, customerWithCart, SHIPPING } from '../../bin/support/orders';

const api = apiClient();
const VISA = 'pm_card_visa';

/** A one-variant product write for `sku`. */
const productWith = (sku: string) => ({
  name: `Relisted ${sku}`,
  variants: [{ sku, name: 'One size', options: {}, price: { amount: 700, currency: 'USD' } }],
});

describe('a product deleted while a cart holds it', () => {
  it('refuses to grow the line, refuses and releases it at checkout, and keeps its stock visible to the admin', async () => {
    // Prepare: two lines; the first line's product is deleted
    const { sku, token } = await customerWithCart(api, { stock: 10, quantity: 2 });
    const kept = await createSku(api, 5, 300);
    await api.post('/cart/items', { token, body: { sku: kept, quantity: 1 } });
    const productId = await productIdInCart(api, token, sku);
    const admin = await api.adminToken();
    expect((await api.delete(`/admin/products/${productId}`, { token: admin })).status).toBe(204);

    // Act
    const grown = await api.patch(`/cart/items/${sku}`, { token, body: { quantity: 5 } });
    const added = await api.post('/cart/items', { token, body: { sku, quantity: 1 } });
    const cart = (await api.get('/cart', { token })).body;
    const stockWhileInCart = await api.get(`/admin/inventory/${sku}`, { token: admin });
    const refused = await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING });
    const released = await inventoryOf(api, sku);
    const placed = await checkout(api, token, { paymentMethodId: VISA, shippingAddress: SHIPPING });

    // Assess
    expect(grown.status).toBe(409);
    expect(grown.body.error).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', details: [{ sku, productId }] });
    expect(added.status).toBe(404);
    expect(cart.items.find((i: { sku: string }) => i.sku === sku)).toMatchObject({ quantity: 2, unavailable: true });
    expect(cart.subtotal).toEqual({ amount: 300, currency: 'USD' });
    expect(stockWhileInCart.status).toBe(200);
    expect(stockWhileInCart.body).toEqual({ sku, total: 10, available: 8, held: 2, reserved: 0, sold: 0, shards: 1 });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', details: [{ sku, productId }] });
    expect(released).toEqual({ sku, total: 10, available: 10, held: 0, reserved: 0, sold: 0 });
    expect(placed.status).toBe(202);
    expect(placed.body.items.map((i: { sku: string }) => i.sku)).toEqual([kept]);
    expect(placed.body.total).toEqual({ amount: 300, currency: 'USD' });
  }, 60_000);

  it('lets the admin write off the stock of a deleted product', async () => {
    const sku = await createSku(api, 6);
    const token = await api.customerToken();
    await api.post('/cart/items', { token, body: { sku, quantity: 2 } });
    const admin = await api.adminToken();
    await api.delete(`/admin/products/${await productIdInCart(api, token, sku)}`, { token: admin });

    const writtenOff = await api.put(`/admin/inventory/${sku}`, { token: admin, body: { total: 2 } });

    expect(writtenOff.status).toBe(200);
    expect(writtenOff.body).toEqual({ sku, total: 2, available: 0, held: 2, reserved: 0, sold: 0, shards: 1 });
    expect(invariantViolations(writtenOff.body)).toEqual([]);
  }, 60_000);
});

describe('re-creating the SKU of a deleted product', () => {
  it('is refused with 409 SKU_STOCK_IN_USE while carts still hold its units, then takes over the stock record', async () => {
    // Prepare
    const sku = await createSku(api, 10);
    const token = await api.customerToken();
    await api.post('/cart/items', { token, body: { sku, quantity: 3 } });
    const admin = await api.adminToken();
    await api.delete(`/admin/products/${await productIdInCart(api, token, sku)}`, { token: admin });

    // Act
    const whileHeld = await api.post('/admin/products', { token: admin, body: productWith(sku) });
    const removed = await api.delete(`/cart/items/${sku}`, { token });
    const relisted = await api.post('/admin/products', { token: admin, body: productWith(sku) });

    // Assess
    expect(whileHeld.status).toBe(409);
    expect(whileHeld.body.error).toMatchObject({ code: 'SKU_STOCK_IN_USE', details: [{ sku, held: 3, reserved: 0 }] });
    expect(removed.status).toBe(204);
    expect(relisted.status).toBe(201);
    expect(relisted.body.variants[0]).toMatchObject({ sku, available: 10 });
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 10, available: 10, held: 0, reserved: 0, sold: 0 });
  }, 60_000);

  it('is refused as well when a product replace adds the SKU back', async () => {
    const sku = await createSku(api, 4);
    const token = await api.customerToken();
    await api.post('/cart/items', { token, body: { sku, quantity: 1 } });
    const admin = await api.adminToken();
    await api.delete(`/admin/products/${await productIdInCart(api, token, sku)}`, { token: admin });
    const other = (await api.post('/admin/products', { token: admin, body: productWith(`${sku}-B`) })).body;

    const res = await api.put(`/admin/products/${other.id}`, {
      token: admin,
      body: { ...productWith(sku), variants: [...productWith(`${sku}-B`).variants, ...productWith(sku).variants], version: 1 },
    });

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'SKU_STOCK_IN_USE', details: [{ sku, held: 1, reserved: 0 }] });
    expect((await api.get(`/products/${other.id}`)).body.version).toBe(1);
  }, 60_000);
});
