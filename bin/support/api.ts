import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type * as z from '../../functions/shared/zod';
import { CONTRACT, type Contract } from '../../functions/contract';
import { errorBody, errorCodesOf, responseOf, type RouteContract } from '../../functions/contract/route';
import { loadIdentity, localIssuer } from '../../lib/local/identity';
import { ROUTES, type RouteName } from '../../lib/routes';

export interface ApiResult<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface CallOptions {
  readonly body?: unknown;
  /** A raw string body, sent as is (for malformed JSON). */
  readonly rawBody?: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** The contract's error body. */
export type ErrorBody = z.output<ReturnType<typeof errorBody>>;

type Entry<N extends RouteName> = Contract[N];
type SchemaOf<R> = R extends z.ZodMiniType ? R : R extends { readonly schema: infer S extends z.ZodMiniType } ? S : undefined;
type Part<N extends RouteName, K extends 'body' | 'query' | 'params'> = Entry<N> extends { readonly [P in K]: infer S extends z.ZodMiniType } ? S : undefined;
/** The success statuses the contract documents for the route. */
export type SuccessStatus<N extends RouteName> = keyof Entry<N>['responses'] & number;
/** The body the route answers with `S`: its documented schema's type, the error body for an error status. */
export type BodyAt<N extends RouteName, S extends number> = S extends SuccessStatus<N>
  ? SchemaOf<Entry<N>['responses'][S]> extends infer Schema extends z.ZodMiniType
    ? z.output<Schema>
    : undefined
  : ErrorBody;

/** What a typed call sends: its path parameters, query and body, typed by the route's request schemas. */
export type RouteInput<N extends RouteName> = { readonly token?: string; readonly headers?: Record<string, string> } & (Part<N, 'params'> extends z.ZodMiniType
  ? { readonly params: z.input<Part<N, 'params'>> }
  : unknown) &
  (Part<N, 'query'> extends z.ZodMiniType ? { readonly query?: z.input<Part<N, 'query'>> } : unknown) &
  (Part<N, 'body'> extends z.ZodMiniType
    ? undefined extends z.input<Part<N, 'body'>>
      ? { readonly body?: z.input<Part<N, 'body'>> }
      : { readonly body: z.input<Part<N, 'body'>> }
    : unknown);

export interface RouteResult<N extends RouteName> extends ApiResult<BodyAt<N, SuccessStatus<N>> | ErrorBody | undefined> {
  /** The body, typed for `status`; throws with what came instead when the answer had another status. */
  expectStatus<S extends number>(status: S): BodyAt<N, S>;
}

/** A client for one running stack (the global one by default). */
export function apiClient(url = process.env.CROWDSTART_URL!, dataDir = process.env.CROWDSTART_DATA_DIR!) {
  const identity = loadIdentity(dataDir, localIssuer(Number(new URL(url).port)));
  const call = async <T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResult<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  /**
   * Calls the route named `name` (its handler in lib/routes.ts) with a body, query and params
   * typed by its request schemas, and checks the answer against the contract: a status it does
   * not document, a body its schema for that status refuses, or a field it does not declare
   * fails the call. So every typed call also proves the document right.
   */
  const route = async <N extends RouteName>(name: N, ...[input]: {} extends RouteInput<N> ? [RouteInput<N>?] : [RouteInput<N>]): Promise<RouteResult<N>> => {
    const definition = ROUTES.find((r) => r.handler === name)!;
    const given = (input ?? {}) as { token?: string; headers?: Record<string, string>; params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
    const path = definition.path.replace(/\{(\w+)\}/g, (_, param: string) => encodeURIComponent(String(given.params?.[param])));
    const query = new URLSearchParams(Object.entries(given.query ?? {}).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    const target = query.size ? `${path}?${query}` : path;
    const result = await call(definition.method, target, { token: given.token, headers: given.headers, body: given.body });
    checkAnswer(`${definition.method} ${target}`, CONTRACT[name], definition, result);
    return {
      ...result,
      expectStatus: <S extends number>(status: S) => {
        if (result.status !== status) throw new Error(`${definition.method} ${target} answered ${result.status}, not ${status}: ${JSON.stringify(result.body)}`);
        return result.body as BodyAt<N, S>;
      },
    };
  };
  return {
    url,
    call,
    route,
    get: <T = any>(path: string, options?: CallOptions) => call<T>('GET', path, options),
    post: <T = any>(path: string, options?: CallOptions) => call<T>('POST', path, options),
    put: <T = any>(path: string, options?: CallOptions) => call<T>('PUT', path, options),
    patch: <T = any>(path: string, options?: CallOptions) => call<T>('PATCH', path, options),
    delete: <T = any>(path: string, options?: CallOptions) => call<T>('DELETE', path, options),
    /** A signed token for `sub`, as `npm run token` prints. */
    token: async (sub: string, admin = false) => (await identity).sign({ sub, admin }),
    adminToken: async () => (await identity).sign({ sub: `ops-${randomUUID()}`, admin: true }),
    customerToken: async () => (await identity).sign({ sub: `customer-${randomUUID()}` }),
  };
}

/** Throws unless the contract documents the answer: its status, its body's shape and fields, its error code. */
export function checkAnswer(request: string, contract: RouteContract, route: { method: string; auth: string }, result: ApiResult): void {
  const fail = (why: string) => {
    throw new Error(`${request} answered ${result.status} outside the contract: ${why}\n${JSON.stringify(result.body)}`);
  };
  const documented = contract.responses[result.status];
  const errorCodes = errorCodesOf(contract, route).get(result.status);
  const schema =
    documented !== undefined ? responseOf(documented).schema
    : errorCodes ? errorBody(errorCodes as [string, ...string[]])
    : result.status === 304 && contract.cacheSeconds !== undefined ? null
    : fail('an undocumented status');
  if (schema === null) {
    if (result.body !== undefined) fail('a body where none is documented');
    return;
  }
  const parsed = schema!.safeParse(result.body);
  if (!parsed.success) fail(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; '));
  // The schemas drop what they do not declare, so a difference is an undocumented field.
  if (!isDeepStrictEqual(parsed.data, result.body)) fail('fields the documented schema does not declare');
}

/** A unique suffix so tests sharing one stack never collide on names or SKUs. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();
