import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { AppError, Forbidden, MalformedJson, TooManyRequests, Unauthorized, ValidationFailed } from '../domain/errors';
import { idempotency, type IdempotencyMode } from './idempotency';
import { logger } from './logger';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** What a route handler returns; the stack turns it into the API Gateway result. */
export interface ApiResponse {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface Caller {
  readonly sub: string;
  readonly isAdmin: boolean;
}

export type RouteAuth = 'public' | 'customer' | 'admin';

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  readonly auth: RouteAuth;
  readonly body?: B;
  readonly query?: Q;
  readonly params?: P;
  readonly idempotency?: IdempotencyMode;
  /** Public reads: answer with ETag and Cache-Control, and 304 on a matching If-None-Match. */
  readonly cacheSeconds?: number;
}

export interface ApiRequest<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  readonly caller: Caller | undefined;
  readonly requestId: string;
  readonly event: ApiEvent;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/**
 * Wraps a route handler in the shared middy stack: authorization, optional idempotency,
 * parsing and validation with the route's zod schemas, response shaping (JSON, x-request-id,
 * caching headers) and rendering of every error into the contract's error shape.
 */
export function apiHandler<B extends z.ZodType = never, Q extends z.ZodType = never, P extends z.ZodType = never>(
  spec: RouteSpec<B, Q, P>,
  handle: (request: ApiRequest<Out<B>, Out<Q>, Out<P>>) => Promise<ApiResponse>,
) {
  return middy<ApiEvent, HttpResult>()
    .use(errorRenderer())
    .use(responseShaper(spec.cacheSeconds))
    .use(authorization(spec.auth))
    .use(idempotency(spec.idempotency ?? 'optional'))
    .handler(async (event) => {
      const request = {
        body: parsePart(spec.body, readJsonBody(event), 'body'),
        query: parsePart(spec.query, event.queryStringParameters ?? {}, 'query'),
        params: parsePart(spec.params, event.pathParameters ?? {}, 'path'),
        caller: callerOf(event),
        requestId: requestIdOf(event),
        event,
      };
      return (await handle(request as ApiRequest<Out<B>, Out<Q>, Out<P>>)) as unknown as HttpResult;
    });
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

/** The caller from the JWT authorizer's claims, or undefined on a public route without a token. */
export function callerOf(event: ApiEvent): Caller | undefined {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') return undefined;
  const roles = [...claimList(claims.roles), ...claimList(claims['cognito:groups'])];
  return { sub, isAdmin: roles.includes('admin') };
}

/** API Gateway flattens array claims into "[a b]"; a local caller may pass a real array. */
function claimList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  return value.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
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

function parsePart(schema: z.ZodType | undefined, input: unknown, where: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    in: where,
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new ValidationFailed(details, `The request ${where} is invalid.`);
}

function authorization(auth: RouteAuth): MiddlewareObj<ApiEvent, HttpResult> {
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

function responseShaper(cacheSeconds?: number): MiddlewareObj<ApiEvent, HttpResult> {
  return {
    after: (request) => {
      request.response = toHttpResult(request.response as unknown as ApiResponse, request.event, cacheSeconds);
    },
  };
}

/** Renders any error: AppErrors with their code and status, everything else as a plain 500. */
export function errorResponse(error: unknown, event: ApiEvent): HttpResult {
  const requestId = requestIdOf(event);
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

function errorRenderer(): MiddlewareObj<ApiEvent, HttpResult> {
  return {
    onError: (request) => {
      request.response = errorResponse(request.error, request.event);
    },
  };
}
