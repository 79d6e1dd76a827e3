/**
 * The authorization matrix: every route of lib/routes.ts × every kind of caller → the status it
 * must get. Customer A owns a cart line, an address, a saved card and an order; B and an admin
 * aim every customer route at A's ids and never read or change them; every forged, expired or
 * foreign token is refused like no token at all (and carries A's sub, so an accepted one would
 * impersonate A); customers never pass an admin route.
 */
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ROUTES, type RouteDefinition } from '../../lib/routes';
import { apiClient } from '../../bin/support/api';
import { checkout, customerWithCart, SHIPPING } from '../../bin/support/orders';
import { invalidTokens } from './support/tokens';

const api = apiClient();
jest.setTimeout(120_000);

type Caller = 'A' | 'B' | 'admin';
const INVALID = [
  'anonymous',
  'expired',
  'not yet valid',
  'no exp',
  'wrong issuer',
  'wrong audience',
  'tampered payload',
  'tampered signature',
  'alg none',
  'HS256 with the public key',
  'another key pair',
] as const;
type Identity = Caller | (typeof INVALID)[number];

/**
 * What a valid caller gets on each route, aimed at A's records (admin routes at ids nobody has).
 * `A` is the owner; `B` and `admin` are other customers as far as customer routes go.
 */
const ALLOWED: Record<string, Partial<Record<Caller, number>>> = {
  'GET /health': { A: 200, B: 200, admin: 200 },
  'GET /config': { A: 200, B: 200, admin: 200 },
  'GET /openapi.json': { A: 200, B: 200, admin: 200 },
  'GET /products': { A: 200, B: 200, admin: 200 },
  'GET /products/{productId}': { A: 200, B: 200, admin: 200 },
  'GET /search': { A: 200, B: 200, admin: 200 },
  'POST /webhooks/stripe': { A: 400, B: 400, admin: 400 },

  'POST /admin/products': { admin: 400 },
  'PUT /admin/products/{productId}': { admin: 400 },
  'DELETE /admin/products/{productId}': { admin: 404 },
  'GET /admin/inventory/{sku}': { admin: 404 },
  'GET /admin/inventory/{sku}/ledger': { admin: 404 },
  'GET /admin/audit': { admin: 200 },
  'PUT /admin/inventory/{sku}': { admin: 400 },
  'POST /admin/inventory/{sku}/adjust': { admin: 400 },
  'GET /admin/orders': { admin: 200 },
  'POST /admin/orders/{orderId}/fulfillment': { admin: 400 },
  'POST /admin/orders/{orderId}/delivered': { admin: 404 },
  'POST /admin/orders/{orderId}/refund': { admin: 404 },
  'POST /admin/webhooks': { admin: 400 },
  'GET /admin/webhooks': { admin: 200 },
  'DELETE /admin/webhooks/{id}': { admin: 404 },
  'GET /admin/webhooks/{id}/deliveries': { admin: 404 },
  'POST /admin/webhooks/{id}/deliveries/{deliveryId}/replay': { admin: 404 },

  'GET /cart': { A: 200, B: 200, admin: 200 },
  'POST /cart/items': { A: 400, B: 400, admin: 400 },
  'PATCH /cart/items/{sku}': { A: 200, B: 404, admin: 404 },
  'DELETE /cart/items/{sku}': { A: 204, B: 404, admin: 404 },
  'GET /me': { A: 200, B: 200, admin: 200 },
  'PUT /me': { A: 200, B: 200, admin: 200 },
  'GET /me/addresses': { A: 200, B: 200, admin: 200 },
  'POST /me/addresses': { A: 400, B: 400, admin: 400 },
  'PUT /me/addresses/{id}': { A: 200, B: 404, admin: 404 },
  'DELETE /me/addresses/{id}': { A: 204, B: 404, admin: 404 },
  'GET /me/payment-methods': { A: 200, B: 200, admin: 200 },
  'POST /me/payment-methods': { A: 400, B: 400, admin: 400 },
  'DELETE /me/payment-methods/{id}': { A: 204, B: 404, admin: 404 },
  'POST /checkout': { A: 400, B: 400, admin: 400 },
  'GET /orders': { A: 200, B: 200, admin: 200 },
  'GET /orders/{orderId}': { A: 200, B: 404, admin: 404 },
  'POST /orders/{orderId}/cancel': { A: 202, B: 404, admin: 404 },
};

/** Bodies that pass validation where ownership is what decides; `{}` elsewhere (a 400 that changes nothing). */
const BODIES: Record<string, unknown> = {
  'PATCH /cart/items/{sku}': { quantity: 3 },
  'PUT /me': { name: 'Renamed' },
  'PUT /me/addresses/{id}': { ...SHIPPING, line1: 'Changed by the caller' },
};

const keyOf = (route: RouteDefinition) => `${route.method} ${route.path}`;

interface Owned {
  sku: string;
  productId: string;
  addressId: string;
  cardId: string;
  orderId: string;
}

let tokenOf: Record<Identity, string | undefined>;
let a: Owned;
let aToken: string;

beforeAll(async () => {
  const cart = await customerWithCart(api, { quantity: 1 });
  aToken = cart.token;
  const sub = JSON.parse(Buffer.from(aToken.split('.')[1]!, 'base64url').toString()).sub as string;
  const order = await checkout(api, aToken, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });
  await api.post('/cart/items', { token: aToken, body: { sku: cart.sku, quantity: 2 } });
  await api.put('/me', { token: aToken, body: { name: 'Alice' } });
  const address = await api.post('/me/addresses', { token: aToken, body: SHIPPING });
  const card = await api.post('/me/payment-methods', { token: aToken, body: { paymentMethodId: 'pm_card_visa' } });
  const products = (await api.get('/products?limit=100')).body.items as { id: string; variants: { sku: string }[] }[];
  const product = products.find((p) => p.variants.some((v) => v.sku === cart.sku));
  a = { sku: cart.sku, productId: product?.id as string, addressId: address.body.id, cardId: card.body.id, orderId: order.body.id };
  expect(Object.values(a).every((value) => typeof value === 'string')).toBe(true);
  tokenOf = {
    anonymous: undefined,
    A: aToken,
    B: await api.customerToken(),
    admin: await api.adminToken(),
    ...(await invalidTokens(api, sub)),
  };
});

/** A concrete path: customer and public routes aim at A's records, admin routes at ids nobody has. */
function pathFor(route: RouteDefinition): string {
  const ids: Record<string, string> =
    route.auth === 'admin'
      ? { productId: 'prd_matrix', sku: 'MATRIX-NOBODY', orderId: 'ord_matrix', id: 'whk_matrix', deliveryId: 'dlv_matrix' }
      : { productId: a.productId, sku: a.sku, id: route.path.startsWith('/me/addresses') ? a.addressId : a.cardId, orderId: a.orderId };
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(ids[name]!));
  return route.path === '/search' ? `${path}?q=matrix` : path;
}

/** One call; the throttle is not under test here, so a 429 waits out its Retry-After and retries. */
async function callAs(identity: Identity, route: RouteDefinition) {
  for (;;) {
    const res = await api.call(route.method, pathFor(route), {
      token: tokenOf[identity],
      body: route.method === 'GET' ? undefined : (BODIES[keyOf(route)] ?? {}),
      headers: route.method === 'GET' ? {} : { 'idempotency-key': randomUUID() },
    });
    if (res.status !== 429) return res;
    await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after') ?? 1) * 1000));
  }
}

function expected(route: RouteDefinition, identity: Identity): number {
  const allowed = ALLOWED[keyOf(route)];
  if (!allowed) throw new Error(`the matrix has no row for ${keyOf(route)}`);
  if (route.auth === 'public') return allowed.B!;
  if (identity !== 'A' && identity !== 'B' && identity !== 'admin') return 401;
  if (route.auth === 'admin' && identity !== 'admin') return 403;
  return allowed[identity]!;
}

/** Runs every route for these identities and returns the cells that differ from the matrix. */
async function mismatches(identities: readonly Identity[]) {
  const wrong: string[] = [];
  for (const identity of identities) {
    for (const route of ROUTES) {
      const res = await callAs(identity, route);
      const want = expected(route, identity);
      if (res.status !== want) wrong.push(`${identity} ${keyOf(route)}: ${res.status} (want ${want}) ${JSON.stringify(res.body?.error ?? '')}`);
      if (res.status >= 400 && res.body?.error?.code === undefined) wrong.push(`${identity} ${keyOf(route)}: ${res.status} outside the error shape`);
    }
  }
  return wrong;
}

/** What A can see of A's own records. */
async function aView() {
  const [cart, me, addresses, cards, order, orders] = await Promise.all(
    ['/cart', '/me', '/me/addresses', '/me/payment-methods', `/orders/${a.orderId}`, '/orders'].map((path) => api.get(path, { token: aToken })),
  );
  return {
    cart: cart!.body.items.map((i: { sku: string; quantity: number }) => [i.sku, i.quantity]),
    me: me!.body.name,
    addresses: addresses!.body.items,
    cards: cards!.body.items.map((c: { id: string }) => c.id),
    order: order!.body.status,
    orders: orders!.body.items.map((o: { id: string }) => o.id),
  };
}

describe('the authorization matrix', () => {
  it('refuses every protected route to anonymous callers and every invalid token with 401; public routes ignore them', async () => {
    expect(await mismatches(INVALID)).toEqual([]);
  });

  it('lets B and an admin aim every route at A\'s records without reading or changing any of them', async () => {
    const before = await aView();

    const wrong = await mismatches(['B', 'admin']);

    expect(wrong).toEqual([]);
    expect(await aView()).toEqual(before);
    expect(before).toMatchObject({ cart: [[a.sku, 2]], me: 'Alice', cards: [a.cardId], orders: [a.orderId] });
  });

  it('gives A what the same calls do to A\'s own records (so the 404s above are ownership, not bad requests)', async () => {
    const wrong = await mismatches(['A']);

    expect(wrong).toEqual([]);
    expect(await aView()).toMatchObject({ cart: [], me: 'Renamed', addresses: [], cards: [] });
  });
});
