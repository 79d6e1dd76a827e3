/**
 * What the edge refuses before any handler logic runs: text that downstream systems cannot
 * carry (SQS, Stripe), paths that are not valid percent-encoded UTF-8, requests Node's HTTP
 * parser rejects, and tokens or roles a careful authorizer would not accept. Every refusal is
 * a 4xx in the contract's error shape with an x-request-id.
 */
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { apiClient, type ApiResult } from '../../bin/support/api';
import { SHIPPING } from '../../bin/support/orders';
import { forgedToken } from './support/tokens';

const api = apiClient();
// Calls to Stripe and cold handlers on a busy machine outlast jest's 5 s default.
jest.setTimeout(30_000);

function expectErrorShape(res: ApiResult, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.body).toEqual({
    error: { code, message: expect.any(String), details: expect.any(Array) },
    requestId: res.headers.get('x-request-id'),
  });
}

const fieldsOf = (res: ApiResult) => res.body.error.details.map((d: { in: string; path: string }) => `${d.in}:${d.path}`);

describe('text the edge refuses', () => {
  const idempotent = () => ({ 'idempotency-key': randomUUID() });

  it.each([
    ['a lone high surrogate', 'Ada \ud800'],
    ['a lone low surrogate', '\udc00Ada'],
    ['U+FFFF', 'Ada \uffff'],
    ['U+FFFE', '\ufffe'],
    ['U+FDD0', 'Ada\ufdd0'],
    ['U+10FFFF', 'Ada \u{10ffff}'],
    ['U+1FFFE', '\u{1fffe}'],
    ['NUL', 'Ada\u0000'],
  ])('refuses %s in a profile name with 400 VALIDATION_FAILED naming the field', async (_, name) => {
    const token = await api.customerToken();

    const res = await api.put('/me', { token, body: { name } });

    expectErrorShape(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(res)).toContain('body:name');
    expect((await api.get('/me', { token })).body.name).toBeUndefined();
  });

  it('refuses a lone surrogate in a checkout payment method (it would reach Stripe) with 400', async () => {
    const token = await api.customerToken();

    const res = await api.post('/checkout', { token, headers: idempotent(), body: { paymentMethodId: 'pm_\ud800', shippingAddress: SHIPPING } });

    expectErrorShape(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(res)).toEqual(['body:paymentMethodId']);
  });

  it('refuses a non-character in a shipping address (SQS would refuse the order) with 400', async () => {
    const token = await api.customerToken();

    const res = await api.post('/checkout', {
      token,
      headers: idempotent(),
      body: { paymentMethodId: 'pm_card_visa', shippingAddress: { ...SHIPPING, name: 'Ada \uffff' } },
    });

    expectErrorShape(res, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(res)).toEqual(['body:shippingAddress.name']);
  });

  it('refuses non-characters in object keys, query strings and path parameters', async () => {
    const token = await api.customerToken();

    const key = await api.put('/me', { token, body: { name: 'Ada', '\uffff': 1 } });
    const query = await api.get('/search?q=mug%EF%BF%BF');
    const path = await api.get('/orders/ord%EF%BF%BE', { token });

    expectErrorShape(key, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(key)).toContain('body:\uffff');
    expectErrorShape(query, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(query)).toEqual(['query:q']);
    expectErrorShape(path, 400, 'VALIDATION_FAILED');
    expect(fieldsOf(path)).toEqual(['path:orderId']);
  });

  it('keeps accepting paired surrogates (emoji) and bidirectional marks', async () => {
    const token = await api.customerToken();

    const res = await api.put('/me', { token, body: { name: 'Ada 😀 \u200fعلي\u200e' } });

    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Ada 😀 \u200fعلي\u200e');
  });

  it('still saves cards for a customer whose refused name never reached the profile', async () => {
    const token = await api.customerToken();

    const refused = await api.put('/me', { token, body: { name: 'Ada \ud800' } });
    const saved = await api.post('/me/payment-methods', { token, body: { paymentMethodId: 'pm_card_visa' } });

    expect(refused.status).toBe(400);
    expect(saved.status).toBe(201);
  });
});

describe('paths that are not valid percent-encoded UTF-8', () => {
  it.each(['/products/%E0%A4%A', '/products/%ZZ', '/products/%FF', '/products/%', '/products/%ED%A0%80'])(
    'answers GET %s with 400 MALFORMED_PATH',
    async (path) => {
      expectErrorShape(await api.get(path), 400, 'MALFORMED_PATH');
    },
  );

  it('refuses a malformed path before the token: 400 with or without one, on customer and admin routes', async () => {
    const token = await api.customerToken();

    expectErrorShape(await api.delete('/cart/items/%'), 400, 'MALFORMED_PATH');
    expectErrorShape(await api.delete('/cart/items/%', { token }), 400, 'MALFORMED_PATH');
    expectErrorShape(await api.get('/admin/inventory/%ZZ'), 400, 'MALFORMED_PATH');
  });

  it.each(['http://[/health', 'http://a@b:99999/health'])('answers a request target that is no URL (%s) with 400 MALFORMED_PATH', async (target) => {
    const res = await rawRequest(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);

    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'MALFORMED_PATH' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('keeps a path that starts with // a path, not a host name', async () => {
    const res = await rawRequest('GET //evil.example/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');

    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 404, code: 'ROUTE_NOT_FOUND' });
  });

  it('still routes a well-encoded path parameter to its handler', async () => {
    const res = await api.get('/products/prd_%C3%A9');

    expectErrorShape(res, 404, 'NOT_FOUND');
  });
});

/** Sends raw bytes to the API and parses the one response: status, headers, JSON body. */
function rawRequest(bytes: string): Promise<{ status: number; headers: Record<string, string>; body: any }> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      try {
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) : undefined });
      } catch (error) {
        reject(new Error(`not a JSON response: ${text.slice(0, 500)}`, { cause: error }));
      }
    });
  });
}

describe('requests that the HTTP parser refuses', () => {
  const host = 'Host: localhost\r\n';
  it.each([
    ['a 40 KB header', `GET /health HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(40 * 1024)}\r\n\r\n`, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE'],
    ['two Content-Length headers', `POST /cart/items HTTP/1.1\r\n${host}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400, 'MALFORMED_REQUEST'],
    ['Content-Length with Transfer-Encoding', `POST /cart/items HTTP/1.1\r\n${host}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'MALFORMED_REQUEST'],
    ['a NUL in a header', `GET /health HTTP/1.1\r\n${host}X-Odd: a\u0000b\r\n\r\n`, 400, 'MALFORMED_REQUEST'],
    ['an unknown method', `FROB /health HTTP/1.1\r\n${host}\r\n`, 400, 'MALFORMED_REQUEST'],
    ['no Host header', 'GET /health HTTP/1.1\r\n\r\n', 400, 'MALFORMED_REQUEST'],
  ])('answers %s in the error shape with a request id', async (_, bytes, status, code) => {
    const res = await rawRequest(bytes);

    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toEqual({ error: { code, message: expect.any(String), details: [] }, requestId: res.headers['x-request-id'] });
  });

  it('stays up for ordinary requests afterwards', async () => {
    await rawRequest(`GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(40 * 1024)}\r\n\r\n`);

    expect((await api.get('/health')).status).toBe(200);
  });
});

describe('roles and token checks', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const adminRead = (token: string) => api.get('/admin/orders?limit=1', { token });

  it.each([
    ['roles ["store admin"]', { roles: ['store admin'] }],
    ['roles ["admin store"]', { roles: ['admin store'] }],
    ['cognito:groups ["billing,admin"]', { 'cognito:groups': ['billing,admin'] }],
    ['roles ["Admin"]', { roles: ['Admin'] }],
    ['roles "store admin"', { roles: 'store admin' }],
    ['roles "[admin]"', { roles: '[admin]' }],
  ])('refuses admin routes to %s with 403', async (_, claims) => {
    const token = await forgedToken(api, { sub: `staff-${randomUUID()}`, ...claims });

    expectErrorShape(await adminRead(token), 403, 'FORBIDDEN');
  });

  it.each([
    ['roles ["admin"]', { roles: ['admin'] }],
    ['roles ["store", "admin"]', { roles: ['store', 'admin'] }],
    ['cognito:groups ["billing", "admin"]', { 'cognito:groups': ['billing', 'admin'] }],
  ])('grants admin routes to an exact admin entry: %s', async (_, claims) => {
    const token = await forgedToken(api, { sub: `staff-${randomUUID()}`, ...claims });

    expect((await adminRead(token)).status).toBe(200);
  });

  it('refuses a token without exp with 401', async () => {
    const token = await forgedToken(api, { sub: `c-${randomUUID()}`, exp: undefined });

    expectErrorShape(await api.get('/cart', { token }), 401, 'UNAUTHORIZED');
  });

  it('refuses a token issued in the future with 401, and accepts one issued a moment ago', async () => {
    const future = await forgedToken(api, { sub: `c-${randomUUID()}`, iat: now() + 3600 });
    const recent = await forgedToken(api, { sub: `c-${randomUUID()}`, iat: now() - 5 });

    expectErrorShape(await api.get('/cart', { token: future }), 401, 'UNAUTHORIZED');
    expect((await api.get('/cart', { token: recent })).status).toBe(200);
  });
});
