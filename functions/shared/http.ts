import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type * as z from './zod';
import { authOf, ROUTES, type AuthOf, type RouteAuth, type RouteName } from '../../lib/routes';
import { AppError, Forbidden, MalformedJson, TooManyRequests, Unauthorized, ValidationFailed } from '../domain/errors';
import { callerOf, type ApiEvent, type ApiResponse, type Caller, type HttpResult } from './api-event';
import { idempotency, idempotentWriteOf, type IdempotencyMode, type IdempotencyStore, type IdempotentWrite } from './idempotency';
import { logger } from './logger';
import { observeApi } from './observability';

export { callerOf, type ApiEvent, type ApiResponse, type Caller, type HttpResult } from './api-event';

/** What a route's handler declares beside its route's auth: its schemas, idempotency and caching. */
export interface RouteOptions<B extends z.ZodMiniType, Q extends z.ZodMiniType, P extends z.ZodMiniType, I extends IdempotencyMode = IdempotencyMode> {
  readonly body?: B;
  readonly query?: Q;
  readonly params?: P;
  /** Default 'optional'; on 'required' the handler's `idempotencyKey` is a string. */
  readonly idempotency?: I;
  /** Where a mutating route keeps its Idempotency-Key records (adapters/dynamodb/idempotency-store.ts). */
  readonly idempotencyStore?: IdempotencyStore;
  /** The handler stores the record in its mutation's own transaction, through `req.idempotency`. */
  readonly recordsIdempotencyInTransaction?: boolean;
  /** Public reads: answer with ETag and Cache-Control, and 304 on a matching If-None-Match. */
  readonly cacheSeconds?: number;
  /**
   * The route's own middlewares, after the logging ones: countStockOuts (business-events.ts) on
   * the routes that can answer INSUFFICIENT_STOCK, so the other routes bundle no metrics client.
   */
  readonly middlewares?: readonly MiddlewareObj<ApiEvent, ApiResponse>[];
}

export interface RouteSpec<
  B extends z.ZodMiniType,
  Q extends z.ZodMiniType,
  P extends z.ZodMiniType,
  A extends RouteAuth = RouteAuth,
  I extends IdempotencyMode = IdempotencyMode,
> extends RouteOptions<B, Q, P, I> {
  readonly auth: A;
  /** The route of lib/routes.ts this spec serves, when made by `routeSpec`. */
  readonly route?: RouteName;
}

/** Customer and admin routes only run for an authenticated caller; a public one may have none. */
export type CallerOn<A extends RouteAuth> = A extends 'public' ? Caller | undefined : Caller;
/** A route that requires an Idempotency-Key only runs its mutations with one. */
export type IdempotencyKeyOn<I extends IdempotencyMode> = I extends 'required' ? string : string | undefined;

export interface ApiRequest<B, Q, P, C extends Caller | undefined = Caller | undefined, K extends string | undefined = string | undefined> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  readonly caller: C;
  readonly idempotencyKey: K;
  /** On a route that records idempotency in its own transaction, when a key came along. */
  readonly idempotency?: IdempotentWrite;
  readonly requestId: string;
  readonly event: ApiEvent;
}

type Out<T> = T extends z.ZodMiniType ? z.output<T> : undefined;

/**
 * The spec of the route whose handler is `name`: its auth from lib/routes.ts, its schemas,
 * idempotency and caching from `request`, its entry of the contract (functions/contract/).
 */
export function routeSpec<
  N extends RouteName,
  B extends z.ZodMiniType = never,
  Q extends z.ZodMiniType = never,
  P extends z.ZodMiniType = never,
  I extends IdempotencyMode = 'optional',
>(name: N, request: RouteOptions<B, Q, P, I> = {}): RouteSpec<B, Q, P, AuthOf<N>, I> {
  // The request side only (a contract entry also documents its answers), and the idempotency store.
  const { body, query, params, idempotency, cacheSeconds, idempotencyStore, recordsIdempotencyInTransaction, middlewares } = request;
  const mutates = ROUTES.some((route) => route.handler === name && route.method !== 'GET');
  if (mutates && idempotency !== 'none' && !idempotencyStore) {
    throw new Error(`Route ${name} honours Idempotency-Key, so its spec needs an idempotencyStore`);
  }
  return { body, query, params, idempotency, cacheSeconds, idempotencyStore, recordsIdempotencyInTransaction, middlewares, auth: authOf(name), route: name };
}

/**
 * Wraps a route handler in the shared middy stack: authorization, optional idempotency, parsing
 * and validation with the route's zod schemas. Its ApiResponse, or whatever it throws, becomes
 * the API Gateway result at the edge: JSON, x-request-id, caching headers, and every error in
 * the contract's error shape. The result carries the route's `spec`.
 */
export function apiHandler<
  B extends z.ZodMiniType = never,
  Q extends z.ZodMiniType = never,
  P extends z.ZodMiniType = never,
  A extends RouteAuth = RouteAuth,
  I extends IdempotencyMode = 'optional',
>(
  spec: RouteSpec<B, Q, P, A, I>,
  handle: (request: ApiRequest<Out<B>, Out<Q>, Out<P>, CallerOn<A>, IdempotencyKeyOn<I>>) => Promise<ApiResponse>,
) {
  const routeStack = middy<ApiEvent, ApiResponse>()
    .use([...observeApi(), ...(spec.middlewares ?? [])])
    .use(authorization(spec.auth))
    .use(idempotency({ mode: spec.idempotency ?? 'optional', store: spec.idempotencyStore, recordsInTransaction: spec.recordsIdempotencyInTransaction }))
    .handler(async (event) => {
      // The middlewares have checked what the types promise: a caller on a protected route, a key where one is required.
      const request = {
        body: parsePart(spec.body, readJsonBody(event), 'body'),
        query: parsePart(spec.query, event.queryStringParameters ?? {}, 'query'),
        params: parsePart(spec.params, event.pathParameters ?? {}, 'path'),
        caller: callerOf(event),
        idempotencyKey: event.headers?.['idempotency-key'],
        idempotency: idempotentWriteOf(event),
        requestId: requestIdOf(event),
        event,
      };
      return handle(request as ApiRequest<Out<B>, Out<Q>, Out<P>, CallerOn<A>, IdempotencyKeyOn<I>>);
    });
  const handler = async (event: ApiEvent, context: Context): Promise<HttpResult> => {
    try {
      return toHttpResult(await routeStack(event, context), event, spec.cacheSeconds);
    } catch (error) {
      return errorResponse(error, event);
    }
  };
  // The route's contract travels with its handler, so tests (the fuzz) read the very schemas it validates with.
  return Object.assign(handler, { spec });
}

export const ok = (body: unknown, headers?: Record<string, string>): ApiResponse => ({ statusCode: 200, body, headers });
export const created = (body: unknown, location: string): ApiResponse => ({
  statusCode: 201,
  body,
  headers: { location },
});
export const noContent = (): ApiResponse => ({ statusCode: 204 });

export function requestIdOf(event: ApiEvent): string {
  return event.requestContext?.requestId ?? 'unknown';
}

function readJsonBody(event: ApiEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MalformedJson(error);
  }
}

function parsePart(schema: z.ZodMiniType | undefined, input: unknown, where: string): unknown {
  if (!schema) return undefined;
  const refused = uncarriableText(input, where);
  if (refused.length) throw new ValidationFailed(refused, `The request ${where} is invalid.`);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    in: where,
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new ValidationFailed(details, `The request ${where} is invalid.`);
}

/**
 * Characters no request string may carry, whatever its schema says: lone surrogates (the stripe
 * SDK's form encoding throws on them, and they are not text), Unicode non-characters (SQS
 * refuses U+FFFE and U+FFFF in a message, so an order carrying one gets stuck; none of them is
 * text to interchange) and NUL (the end of a string for much of what lies downstream).
 */
const UNCARRIABLE = /[\p{Cs}\p{Noncharacter_Code_Point}\u0000]/u;
const MAX_TEXT_ISSUES = 20;

interface Visit {
  readonly value: unknown;
  readonly key?: string;
  readonly parent?: Visit;
}

/**
 * Every string of a parsed request part, object keys included, that carries an uncarriable
 * character, as validation details. Walks with an explicit stack, so a deeply nested body cannot
 * overflow the call stack, and builds a field's path only when it reports one.
 */
function uncarriableText(input: unknown, where: string): { in: string; path: string; message: string }[] {
  const found: { in: string; path: string; message: string }[] = [];
  const report = (visit: Visit) =>
    found.push({ in: where, path: pathOf(visit), message: 'Must not contain lone surrogates, Unicode non-characters or NUL' });
  const pending: Visit[] = [{ value: input }];
  while (pending.length && found.length < MAX_TEXT_ISSUES) {
    const visit = pending.pop()!;
    if (typeof visit.value === 'string') {
      if (UNCARRIABLE.test(visit.value)) report(visit);
    } else if (typeof visit.value === 'object' && visit.value !== null) {
      for (const [key, value] of Object.entries(visit.value)) {
        const child = { value, key, parent: visit };
        if (UNCARRIABLE.test(key)) report(child);
        else pending.push(child);
      }
    }
  }
  return found;
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}

function authorization(auth: RouteAuth): MiddlewareObj<ApiEvent, ApiResponse> {
  return {
    before: (request) => {
      if (auth === 'public') return;
      const caller = callerOf(request.event);
      if (!caller) throw new Unauthorized();
      if (auth === 'admin' && !caller.isAdmin) throw new Forbidden();
    },
  };
}

/** Turns an ApiResponse into the API Gateway result: JSON body, request id, caching headers. */
export function toHttpResult(response: ApiResponse, event: ApiEvent, cacheSeconds?: number): HttpResult {
  const headers: Record<string, string> = { ...response.headers, 'x-request-id': requestIdOf(event) };
  const body = response.body === undefined ? undefined : JSON.stringify(response.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cacheSeconds !== undefined && response.statusCode === 200 && body !== undefined) {
    const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
    headers.etag = etag;
    headers['cache-control'] = `public, max-age=${cacheSeconds}`;
    if (ifNoneMatch(event).includes(etag)) return { statusCode: 304, headers };
  }
  return { statusCode: response.statusCode, headers, ...(body === undefined ? {} : { body }) };
}

function ifNoneMatch(event: ApiEvent): string[] {
  const header = event.headers?.['if-none-match'] ?? '';
  return header.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
}

/** Renders any error: AppErrors with their code and status, everything else as a plain 500. */
export function errorResponse(thrown: unknown, event: ApiEvent): HttpResult {
  const requestId = requestIdOf(event);
  const error = isThrottled(thrown) ? new TooManyRequests(1) : thrown;
  const known = error instanceof AppError;
  if (!known) logger.error('Unhandled error', { requestId, error: error as Error });
  const statusCode = known ? error.statusCode : 500;
  const body = known
    ? { code: error.code, message: error.message, details: error.details }
    : { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side.', details: [] };
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
  if (error instanceof TooManyRequests) headers['retry-after'] = String(error.retryAfterSeconds);
  return { statusCode, headers, body: JSON.stringify({ error: body, requestId }) };
}

/** AWS refusing for load once the SDK's own retries are spent: the client should back off and retry, not see a 500. */
const THROTTLING_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);

function isThrottled(error: unknown): boolean {
  return error instanceof Error && THROTTLING_ERRORS.has(error.name);
}

