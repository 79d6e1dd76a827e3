import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { NotFound } from '../../functions/domain/errors';
import { apiHandler, ok, routeSpec, type ApiEvent } from '../../functions/shared/http';
import { ROUTES } from '../../lib/routes';
import { MemoryIdempotencyStore } from './support/memory-idempotency-store';

/** A payload-2.0 event as the JWT authorizer hands it over; `token` claims become the caller. */
function event(options: { method?: string; token?: Record<string, unknown>; headers?: Record<string, string>; body?: string; path?: Record<string, string> } = {}): ApiEvent {
  const claims = options.token;
  const authorization = claims ? { authorization: `Bearer ${unsignedToken(claims)}` } : {};
  return {
    headers: { ...authorization, ...options.headers },
    body: options.body,
    pathParameters: options.path,
    routeKey: `${options.method ?? 'GET'} /things`,
    rawPath: '/things',
    requestContext: {
      requestId: 'req-7',
      http: { method: options.method ?? 'GET' },
      authorizer: claims ? { jwt: { claims: { sub: String(claims.sub) }, scopes: [] } } : undefined,
    },
  } as unknown as ApiEvent; // the fields the stack reads, not the whole event
}

const unsignedToken = (claims: Record<string, unknown>) =>
  ['{"alg":"RS256"}', JSON.stringify(claims), 'sig'].map((part, i) => (i < 2 ? Buffer.from(part).toString('base64url') : part)).join('.');

const CUSTOMER = { sub: 'cust-1' };
const ADMIN = { sub: 'admin-1', roles: ['admin'] };

async function invoke(handler: (event: ApiEvent, context: Context) => Promise<unknown>, e: ApiEvent) {
  const result = (await handler(e, {} as Context)) as { statusCode: number; headers: Record<string, string>; body?: string };
  return { status: result.statusCode, headers: result.headers, body: result.body === undefined ? undefined : JSON.parse(result.body) };
}

describe('routeSpec: the route table decides auth', () => {
  it('gives every route exactly one handler name', () => {
    const names = ROUTES.map((route) => route.handler);

    expect(new Set(names).size).toBe(names.length);
  });

  it.each(ROUTES.map((route) => [route.handler, route] as const))('functions/api/%s serves its own route with its auth', async (name, route) => {
    // Act
    const { handler } = (await import(`../../functions/api/${name}.ts`)) as { handler: { spec: { route?: string; auth: string } } };

    // Assess
    expect({ route: handler.spec.route, auth: handler.spec.auth }).toEqual({ route: route.handler, auth: route.auth });
  });
});

describe('apiHandler: the middy stack', () => {
  const seen: unknown[] = [];
  const whoAmI = (name: 'get-me' | 'admin-list-orders' | 'health') =>
    apiHandler(routeSpec(name), async (req) => {
      seen.push(req.caller);
      return ok({ caller: req.caller ?? null });
    });

  beforeEach(() => {
    seen.length = 0;
  });

  it('answers 401 on a customer route without a caller, before the handler runs', async () => {
    const res = await invoke(whoAmI('get-me'), event());

    expect([res.status, res.body.error.code, res.body.requestId]).toEqual([401, 'UNAUTHORIZED', 'req-7']);
    expect(seen).toEqual([]);
  });

  it('answers 403 on an admin route to a customer, and runs it for an admin', async () => {
    const customer = await invoke(whoAmI('admin-list-orders'), event({ token: CUSTOMER }));
    const admin = await invoke(whoAmI('admin-list-orders'), event({ token: ADMIN }));

    expect([customer.status, customer.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect([admin.status, admin.body]).toEqual([200, { caller: { sub: 'admin-1', isAdmin: true } }]);
  });

  it('runs a public route without a caller, and with one when a token came along', async () => {
    const anonymous = await invoke(whoAmI('health'), event());
    const known = await invoke(whoAmI('health'), event({ token: CUSTOMER }));

    expect([anonymous.status, anonymous.body]).toEqual([200, { caller: null }]);
    expect(known.body).toEqual({ caller: { sub: 'cust-1', isAdmin: false } });
  });

  it('renders the response as JSON with content-type and the request id', async () => {
    const res = await invoke(whoAmI('get-me'), event({ token: CUSTOMER }));

    expect(res).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-7' },
      body: { caller: { sub: 'cust-1', isAdmin: false } },
    });
  });

  it('answers a cached read with ETag and Cache-Control, and 304 when the ETag matches', async () => {
    const product = apiHandler(routeSpec('get-product', { cacheSeconds: 30 }), async () => ok({ name: 'Mug' }));

    const first = await invoke(product, event());
    const again = await invoke(product, event({ headers: { 'if-none-match': first.headers.etag! } }));

    expect(first.headers['cache-control']).toBe('public, max-age=30');
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    expect([again.status, again.body, again.headers.etag]).toEqual([304, undefined, first.headers.etag]);
  });

  it('validates params and body with the route schemas, naming each field, before the handler runs', async () => {
    const handler = apiHandler(
      routeSpec('update-address', { idempotencyStore: new MemoryIdempotencyStore(), params: z.object({ id: z.string().min(3) }), body: z.strictObject({ city: z.string() }) }),
      async (req) => ok({ id: req.params.id, city: req.body.city }),
    );

    const badBody = await invoke(handler, event({ method: 'PUT', token: CUSTOMER, path: { id: 'adr' }, body: '{"town":"x"}' }));
    const badPath = await invoke(handler, event({ method: 'PUT', token: CUSTOMER, path: { id: 'a' }, body: '{"city":"x"}' }));
    const notJson = await invoke(handler, event({ method: 'PUT', token: CUSTOMER, path: { id: 'adr' }, body: '{"city":' }));
    const good = await invoke(handler, event({ method: 'PUT', token: CUSTOMER, path: { id: 'adr' }, body: '{"city":"Oslo"}' }));

    expect([badBody.status, badBody.body.error.code, badBody.body.error.details[0].in]).toEqual([400, 'VALIDATION_FAILED', 'body']);
    expect([badPath.status, badPath.body.error.details[0]]).toEqual([400, expect.objectContaining({ in: 'path', path: 'id' })]);
    expect([notJson.status, notJson.body.error.code]).toEqual([400, 'MALFORMED_JSON']);
    expect([good.status, good.body]).toEqual([200, { id: 'adr', city: 'Oslo' }]);
  });

  it('refuses a mutation without the Idempotency-Key its route requires, before the handler runs', async () => {
    const handler = apiHandler(routeSpec('checkout', { idempotency: 'required', idempotencyStore: new MemoryIdempotencyStore() }), async (req) => {
      seen.push(req.idempotencyKey);
      return ok({});
    });

    const res = await invoke(handler, event({ method: 'POST', token: CUSTOMER, body: '{}' }));

    expect([res.status, res.body.error.code]).toEqual([400, 'IDEMPOTENCY_KEY_REQUIRED']);
    expect(seen).toEqual([]);
  });

  it('refuses at load a mutating route that honours Idempotency-Key without a store', () => {
    expect(() => routeSpec('add-cart-item')).toThrow(/needs an idempotencyStore/);
  });

  it('hands the handler the Idempotency-Key as sent', async () => {
    const handler = apiHandler(routeSpec('stripe-webhook', { idempotency: 'none' }), async (req) => ok({ key: req.idempotencyKey ?? null }));

    const withKey = await invoke(handler, event({ method: 'POST', headers: { 'idempotency-key': 'k-1' } }));
    const without = await invoke(handler, event({ method: 'POST' }));

    expect([withKey.body, without.body]).toEqual([{ key: 'k-1' }, { key: null }]);
  });

  it('renders a domain error with its status and code, and anything else as a plain 500', async () => {
    const missing = apiHandler(routeSpec('get-order'), async () => {
      throw new NotFound('Order', 'ord_1');
    });
    const broken = apiHandler(routeSpec('get-order'), async () => {
      throw new Error('connection string postgres://secret');
    });

    const notFound = await invoke(missing, event({ token: CUSTOMER }));
    const internal = await invoke(broken, event({ token: CUSTOMER }));

    expect([notFound.status, notFound.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect(internal).toEqual({
      status: 500,
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-7' },
      body: { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side.', details: [] }, requestId: 'req-7' },
    });
  });
});
