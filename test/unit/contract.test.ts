import { Validator } from '@seriousme/openapi-schema-validator';
import { build } from 'esbuild';
import { join } from 'node:path';
import { checkAnswer } from '../../bin/support/api';
import { CONTRACT, type RouteContract } from '../../functions/contract';
import { openApiDocument } from '../../functions/contract/openapi';
import { countStockOuts } from '../../functions/shared/business-events';
import { PROJECT_ROOT } from '../../lib/constructs/service-functions';
import { ROUTES } from '../../lib/routes';

const entryOf = (name: string) => (CONTRACT as Record<string, RouteContract>)[name];

describe('the contract', () => {
  it('has exactly one entry per route of lib/routes.ts', () => {
    expect(Object.keys(CONTRACT).sort()).toEqual(ROUTES.map((route) => route.handler).sort());
  });

  it.each(ROUTES.map((route) => [route.handler] as const))('functions/api/%s validates with its entry’s very schemas', async (name) => {
    // Act
    const { handler } = (await import(`../../functions/api/${name}.ts`)) as { handler: { spec: Record<string, unknown> } };

    // Assess: the same objects, so there is no second copy to drift
    const entry = entryOf(name)!;
    for (const part of ['body', 'query', 'params', 'idempotency', 'cacheSeconds'] as const) {
      expect({ part, value: handler.spec[part] }).toEqual({ part, value: entry[part] });
      expect(handler.spec[part] === entry[part]).toBe(true);
    }
  });

  it.each(ROUTES.map((route) => [route.handler] as const))('functions/api/%s counts stock-outs if and only if its entry can answer INSUFFICIENT_STOCK', async (name) => {
    // Act
    const { handler } = (await import(`../../functions/api/${name}.ts`)) as { handler: { spec: { middlewares?: readonly unknown[] } } };

    // Assess
    const answersStockOuts = Object.values(entryOf(name)!.errors ?? {}).some((codes) => codes.includes('INSUFFICIENT_STOCK'));
    expect({ name, counts: handler.spec.middlewares?.includes(countStockOuts) ?? false }).toEqual({ name, counts: answersStockOuts });
  });
});

describe('the OpenAPI document', () => {
  const document = openApiDocument() as unknown as { openapi: string; paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown>; parameters?: { name: string; in: string; required?: boolean }[] }>> };

  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();

    const result = await validator.validate(JSON.parse(JSON.stringify(document)));

    expect(result).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
  });

  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))('documents %s with its auth, its answers and the shared errors', (_, route) => {
    // Act
    const operation = document.paths[route.path]?.[route.method.toLowerCase()];

    // Assess
    expect(operation).toBeDefined();
    expect(operation!.security).toEqual(route.auth === 'public' ? [] : [{ bearerJwt: [] }]);
    const statuses = Object.keys(operation!.responses);
    expect(statuses).toEqual(expect.arrayContaining([...Object.keys(entryOf(route.handler)!.responses), '429']));
    if (route.auth !== 'public') expect(statuses).toContain('401');
    if (route.auth === 'admin') expect(statuses).toContain('403');
  });

  it('requires an Idempotency-Key on POST /checkout, offers it on the other mutations, and not on reads or the Stripe webhook', () => {
    const keyOf = (method: string, path: string) => document.paths[path]![method]!.parameters?.find((p) => p.in === 'header' && p.name === 'idempotency-key');

    expect(keyOf('post', '/checkout')).toMatchObject({ required: true });
    expect(keyOf('post', '/cart/items')).toBeDefined();
    expect(keyOf('post', '/cart/items')?.required).toBeFalsy();
    expect(keyOf('delete', '/me/addresses/{id}')).toBeDefined();
    expect(keyOf('get', '/cart')).toBeUndefined();
    expect(keyOf('post', '/webhooks/stripe')).toBeUndefined();
  });
});

describe('handler bundles', () => {
  it.each(['health', 'get-me', 'stripe-webhook'])('keep zod out of functions/api/%s, whose route validates nothing', async (name) => {
    // Act
    const result = await build({
      entryPoints: [join(PROJECT_ROOT, 'functions', 'api', `${name}.ts`)],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
      external: ['@aws-sdk/*', 'stripe', '@aws-lambda-powertools/*', '@middy/*'],
    });

    // Assess
    expect(result.outputFiles[0]!.text).not.toMatch(/\$ZodType|ZodError/);
  });
});

describe('the typed test client’s check of an answer', () => {
  const cart = { id: 'cart_1', items: [], subtotal: { amount: 0, currency: 'USD' } };
  const check = (status: number, body: unknown) => () =>
    checkAnswer('GET /cart', CONTRACT['get-cart'], { method: 'GET', auth: 'customer' }, { status, headers: new Headers(), body });
  const error = (code: string) => ({ error: { code, message: 'm', details: [] }, requestId: 'r' });

  it('accepts what the contract documents', () => {
    expect(check(200, cart)).not.toThrow();
    expect(check(401, error('UNAUTHORIZED'))).not.toThrow();
  });

  it.each([
    ['an undocumented status', 418, cart],
    ['a body its schema refuses', 200, { ...cart, subtotal: { amount: '0', currency: 'USD' } }],
    ['an undeclared field', 200, { ...cart, secret: 'x' }],
    ['an error code the route does not list', 401, error('FORBIDDEN')],
    ['an error outside the error shape', 429, { message: 'Too Many Requests' }],
  ])('fails on %s', (_, status, body) => {
    expect(check(status, body)).toThrow(/outside the contract/);
  });
});
