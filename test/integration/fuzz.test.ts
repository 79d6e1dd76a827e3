/**
 * Fuzzing every route of lib/routes.ts, driven by the route's own zod schemas (the `spec` its
 * handler carries): well-formed requests with one thing wrong (a field dropped, added, of the
 * wrong type, an odd string or number, deep nesting), malformed JSON, wrong content types, bad
 * percent-encoding in every path parameter, bad cursors and limits, 1 MB bodies and bodies past Lambda's 6 MB.
 * Whatever comes in, the answer is never a 5xx, always JSON in the contract's error shape with
 * its x-request-id, and the stack is healthy afterwards.
 *
 * FUZZ_RUNS sets the number of random requests (CI-sized by default); `npm run fuzz` runs the
 * large form. A failure prints fast-check's seed and the shrunk request; FUZZ_SEED replays it.
 * The fuzz runs on a stack of its own, so what it creates never meets the other tests' data.
 */
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { z } from 'zod';
import type { RouteSpec } from '../../functions/shared/http';
import { ROUTES, type RouteDefinition } from '../../lib/routes';
import { createSku, invariantViolations, inventoryOf } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import {
  arbitraryOf,
  BAD_PATH_SEGMENTS,
  CONTENT_TYPES,
  deeplyNested,
  leafPaths,
  MALFORMED_BODIES,
  ODD_NUMBERS,
  ODD_STRINGS,
  ODD_VALUES,
  setAt,
  withRawLeaf,
} from './support/fuzz-arbitraries';
import { checkout, SHIPPING } from '../../bin/support/orders';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 250);
const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
jest.setTimeout(600_000);

type Spec = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;
interface FuzzRoute extends RouteDefinition {
  readonly spec: Spec;
}
interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: string;
  readonly body?: string;
  readonly headers: Record<string, string>;
}

let stack: StackProcess;
let api: ReturnType<typeof apiClient>;
let routes: FuzzRoute[];
/** Ids of things that exist, so some requests reach real records rather than 404s. */
const known: string[] = [];
const tokens: Record<'customer' | 'admin', string[]> = { customer: [], admin: [] };
const statuses = new Map<number, number>();

beforeAll(async () => {
  stack = await startStackProcess({ env: { SEED_DEMO: 'false' } });
  api = apiClient(stack.url, stack.dataDir);
  routes = [];
  // One at a time: jest's ESM loader can race on modules that concurrent imports share.
  for (const route of ROUTES) {
    const module = (await import(`../../functions/api/${route.handler}.ts`)) as { handler: { spec: Spec } };
    routes.push({ ...route, spec: module.handler.spec });
  }
  for (let i = 0; i < 8; i++) tokens.customer.push(await api.token(`fuzz-customer-${i}`));
  for (let i = 0; i < 4; i++) tokens.admin.push(await api.token(`fuzz-admin-${i}`, true));
  await seedRecords();
}, 180_000);

afterAll(async () => {
  await stack?.stop('SIGTERM');
  if (stack) rmSync(stack.dataDir, { recursive: true, force: true });
  const summary = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ');
  console.log(`fuzz: ${[...statuses.values()].reduce((a, b) => a + b, 0)} requests (${FUZZ_RUNS} random), statuses ${summary}`);
});

/** A stocked SKU, its product, an address, a cart line and a paid-for order of customer 0. */
async function seedRecords() {
  const sku = await createSku(api, 1000);
  const product = (await api.get(`/products?limit=1`)).body.items[0];
  const customer = tokens.customer[0]!;
  await api.post('/cart/items', { token: customer, body: { sku, quantity: 1 } });
  const order = (await checkout(api, customer, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING })).body;
  await api.post('/cart/items', { token: customer, body: { sku, quantity: 2 } });
  const address = (await api.post('/me/addresses', { token: customer, body: SHIPPING })).body;
  known.push(sku, product.id, order.id, address.id);
}

/**
 * One request on a connection of its own (node:http rather than fetch: no pooled socket the
 * server may have closed meanwhile, and no client-side refusal of odd requests). An answer that
 * arrives while the body is still being written counts; the server may close before reading it all.
 */
function send(request: FuzzRequest): Promise<{ status: number; requestId: string | null; text: string }> {
  const target = new URL(stack.url);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: `${request.path}${request.query ? `?${request.query}` : ''}`,
        headers: { ...request.headers, connection: 'close' },
        agent: false,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          resolve({ status, requestId: (res.headers['x-request-id'] as string | undefined) ?? null, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(new Error(`no answer from the stack: ${error.message}`, { cause: error }));
    });
    req.end(request.body);
  });
}

/** Never a 5xx; every answer carries a request id; every error is JSON in the contract's shape. */
async function expectContractAnswer(request: FuzzRequest) {
  const res = await send(request);
  const problem = contractProblem(res);
  if (problem) {
    const shown = { ...request, body: request.body && request.body.length > 300 ? `${request.body.slice(0, 300)}… (${request.body.length} chars)` : request.body };
    throw new Error(`${problem}\nrequest: ${JSON.stringify(shown)}\nanswer: ${res.status} ${res.text.slice(0, 500)}`);
  }
}

function contractProblem(res: { status: number; requestId: string | null; text: string }): string | undefined {
  if (res.status >= 500) return `answered ${res.status}`;
  if (!res.requestId) return 'no x-request-id';
  if (res.status < 400) return res.text === '' || isJson(res.text) ? undefined : 'a success that is not JSON';
  if (!isJson(res.text)) return 'an error that is not JSON';
  const body = JSON.parse(res.text);
  const shaped =
    typeof body?.error?.code === 'string' &&
    /^[A-Z][A-Z0-9_]*$/.test(body.error.code) &&
    typeof body.error.message === 'string' &&
    Array.isArray(body.error.details) &&
    body.requestId === res.requestId;
  return shaped ? undefined : 'an error outside the contract shape';
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** encodeURIComponent, except for text it cannot encode (lone surrogates): sent as invalid UTF-8 instead. */
const encodeSegment = (segment: string) => {
  try {
    return encodeURIComponent(segment);
  } catch {
    return '%ED%A0%80';
  }
};

const concretePath = (route: RouteDefinition, segment: (name: string) => string) =>
  route.path.replace(/\{(\w+)\}/g, (_, name: string) => segment(name));

function headersFor(route: RouteDefinition, contentType: string | undefined, tokenPick: number, auth: 'valid' | 'none' | 'garbage', key: string | undefined) {
  const headers: Record<string, string> = {};
  if (contentType) headers['content-type'] = contentType;
  if (key !== undefined) headers['idempotency-key'] = key;
  if (auth === 'garbage') headers.authorization = 'Bearer not.a.token';
  if (auth === 'valid') {
    const pool = route.auth === 'admin' ? tokens.admin : tokens.customer;
    headers.authorization = `Bearer ${pool[tokenPick % pool.length]}`;
  }
  return headers;
}

/** Path segments for a parameter: schema-shaped, known ids, odd text, broken encodings. */
function segmentArbitrary(route: FuzzRoute, name: string): fc.Arbitrary<string> {
  const shape = route.spec.params ? (arbitraryOf(route.spec.params) as fc.Arbitrary<Record<string, unknown>>) : fc.constant<Record<string, unknown>>({});
  return fc.oneof(
    { weight: 3, arbitrary: shape.map((params) => encodeSegment(String(params[name] ?? 'x'))) },
    { weight: 3, arbitrary: fc.constantFrom(...known).map(encodeSegment) },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_PATH_SEGMENTS) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_STRINGS).map(encodeSegment) },
  );
}

/** Query strings: schema-shaped, with odd limits and cursors, extra or repeated names, bad encoding. */
function queryArbitrary(route: FuzzRoute): fc.Arbitrary<string> {
  const shaped = route.spec.query
    ? (arbitraryOf(route.spec.query) as fc.Arbitrary<Record<string, unknown>>).map((q) =>
        new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString(),
      )
    : fc.constant('');
  const oddLimit = fc.constantFrom('0', '-1', '1.5', '1e3', 'abc', '', '101', '9'.repeat(400), '0x10', ' 5', 'NaN', 'Infinity');
  const oddCursor = fc.oneof(
    fc.base64String({ maxLength: 80 }),
    fc.string({ maxLength: 80 }),
    fc.constantFrom(...ODD_STRINGS),
    fc.string({ maxLength: 40 }).map((s) => Buffer.from(s).toString('base64url')),
  );
  return fc.oneof(
    { weight: 4, arbitrary: shaped },
    { weight: 2, arbitrary: fc.tuple(shaped, oddLimit).map(([q, limit]) => `${q}&limit=${encodeSegment(limit)}`) },
    { weight: 2, arbitrary: fc.tuple(shaped, oddCursor).map(([q, cursor]) => `${q}&cursor=${encodeSegment(cursor)}`) },
    { weight: 1, arbitrary: fc.tuple(shaped, fc.constantFrom(...ODD_STRINGS)).map(([q, s]) => `${q}&q=${encodeSegment(s)}&status=${encodeSegment(s)}`) },
    { weight: 1, arbitrary: shaped.map((q) => `${q}&limit=1&limit=2&extra=1`) },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_PATH_SEGMENTS).map((bad) => `q=${bad}&cursor=${bad}&limit=${bad}`) },
  );
}

/** Bodies: schema-shaped with one thing wrong, or not JSON at all. */
function bodyArbitrary(route: FuzzRoute): fc.Arbitrary<string | undefined> {
  const base = route.spec.body ? arbitraryOf(route.spec.body) : fc.jsonValue({ maxDepth: 2 });
  const leafOf = (value: unknown, pick: number) => {
    const leaves = leafPaths(value);
    return leaves.length ? leaves[pick % leaves.length]! : [];
  };
  const dropField = (value: unknown, pick: number) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const keys = Object.keys(value);
    const { [keys[pick % Math.max(keys.length, 1)] ?? '']: _, ...rest } = value as Record<string, unknown>;
    return rest;
  };
  return fc.oneof(
    { weight: 3, arbitrary: base.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.tuple(base, fc.nat()).map(([v, n]) => JSON.stringify(dropField(v, n))) },
    { weight: 1, arbitrary: fc.tuple(base, fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })).map(([v, k, x]) => JSON.stringify(v && typeof v === 'object' && !Array.isArray(v) ? { ...v, [k || 'extra']: x } : v)) },
    { weight: 2, arbitrary: fc.tuple(base, fc.nat(), fc.constantFrom(...ODD_VALUES)).map(([v, n, odd]) => JSON.stringify(setAt(v, leafOf(v, n), odd))) },
    { weight: 3, arbitrary: fc.tuple(base, fc.nat(), fc.constantFrom(...ODD_STRINGS)).map(([v, n, odd]) => JSON.stringify(setAt(v, leafOf(v, n), odd))) },
    { weight: 2, arbitrary: fc.tuple(base, fc.nat(), fc.constantFrom(...ODD_NUMBERS)).map(([v, n, raw]) => withRawLeaf(v, n, raw)) },
    { weight: 1, arbitrary: fc.tuple(base, fc.nat(), fc.integer({ min: 50, max: 20_000 })).map(([v, n, depth]) => withRawLeaf(v, n, deeplyNested(depth))) },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_BODIES) },
    { weight: 1, arbitrary: fc.tuple(base, fc.nat()).map(([v, n]) => { const text = JSON.stringify(v); return text.slice(0, n % Math.max(text.length, 1)); }) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.constantFrom(...ODD_STRINGS)).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

function requestArbitrary(route: FuzzRoute): fc.Arbitrary<FuzzRequest> {
  const paramNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const segments = fc.tuple(...paramNames.map((name) => segmentArbitrary(route, name)));
  const body = route.method === 'GET' ? fc.constant(undefined) : bodyArbitrary(route);
  const contentType = fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) });
  const auth = fc.oneof({ weight: 8, arbitrary: fc.constant('valid' as const) }, { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const) });
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(300), '', ' ', 'a,b', '%00', 'k'.repeat(255)) },
  );
  return fc
    .record({ segments, query: queryArbitrary(route), body, contentType, tokenPick: fc.nat(), auth, key })
    .map(({ segments: values, query, body: text, contentType: type, tokenPick, auth: how, key: k }) => {
      const byName = Object.fromEntries(paramNames.map((name, i) => [name, values[i]!]));
      return {
        method: route.method,
        path: concretePath(route, (name) => byName[name]!),
        query,
        body: text,
        headers: headersFor(route, text === undefined ? undefined : type, tokenPick, how, k),
      };
    });
}

const validHeaders = (route: RouteDefinition, extra: Record<string, string> = {}) => ({
  ...headersFor(route, 'application/json', 0, 'valid', randomUUID()),
  ...extra,
});
const sample = (route: RouteDefinition) => concretePath(route, () => encodeSegment(known[0]!));

describe('fuzzing every route', () => {
  it('never answers a random request with a 5xx or outside the error shape', async () => {
    const anyRequest = fc.oneof(...routes.map(requestArbitrary));

    await fc.assert(fc.asyncProperty(anyRequest, expectContractAnswer), { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: false });
  });

  it('refuses every broken percent-encoding in every path parameter without a 5xx', async () => {
    for (const route of routes.filter((r) => r.path.includes('{'))) {
      for (const bad of BAD_PATH_SEGMENTS) {
        const body = route.method === 'GET' ? undefined : '{}';
        await expectContractAnswer({ method: route.method, path: concretePath(route, () => bad), body, headers: validHeaders(route) });
      }
    }
  });

  it('answers malformed JSON, deep nesting and 1 MB bodies on every route without a 5xx', async () => {
    const oneMegabyte = JSON.stringify({ name: 'x'.repeat(1024 * 1024), quantity: 1 });
    for (const route of routes.filter((r) => r.method !== 'GET')) {
      for (const body of ['{"a":', deeplyNested(100_000), oneMegabyte]) {
        await expectContractAnswer({ method: route.method, path: sample(route), body, headers: validHeaders(route) });
      }
    }
  });

  it("takes a body that fits Lambda's 6 MB invoke payload to the handler and refuses a larger one with 413", async () => {
    const route = routes.find((r) => r.method === 'PUT' && r.path === '/me')!;
    const megabytes = (n: number) => JSON.stringify({ name: 'x'.repeat(n * 1024 * 1024 - 11) });
    // The event around the body (headers, context) takes a few kilobytes of the 6 MB.
    const fits = JSON.stringify({ name: 'x'.repeat(6 * 1024 * 1024 - 64 * 1024) });

    await expectContractAnswer({ method: 'PUT', path: '/me', body: fits, headers: validHeaders(route) });
    // Below API Gateway's 10 MB, above Lambda's 6 MB: on AWS the invoke fails; locally a 413.
    for (const body of [megabytes(6), megabytes(7), `${megabytes(10)} `]) {
      const refused = await send({ method: 'PUT', path: '/me', body, headers: validHeaders(route) });
      expect({ bytes: Buffer.byteLength(body), status: refused.status, code: JSON.parse(refused.text).error.code }).toEqual({
        bytes: Buffer.byteLength(body),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      });
    }
  });

  it('leaves the stack healthy: it answers, holds stock and keeps the invariant on the fuzzed SKU', async () => {
    const customer = await api.customerToken();
    const sku = await createSku(api, 5);

    const health = await api.get('/health');
    const added = await api.post('/cart/items', { token: customer, body: { sku, quantity: 1 } });
    const fuzzed = await api.get(`/admin/inventory/${known[0]}`, { token: tokens.admin[0] });

    expect(health.status).toBe(200);
    expect(added.status).toBe(201);
    expect((await inventoryOf(api, sku)).held).toBe(1);
    if (fuzzed.status === 200) expect(invariantViolations(fuzzed.body)).toEqual([]);
    else expect(fuzzed.status).toBe(404); // the fuzz may have deleted its product
  });
});
