/**
 * What a route's contract entry declares, and the shapes every route shares (the error body,
 * list pages, ids). zod/mini (functions/shared/zod.ts), no zod-openapi: a handler that imports
 * its domain's contract bundles only what it validates with; functions/contract/openapi.ts turns
 * the entries into the document.
 */
import * as z from '../shared/zod';
import type { IdempotencyMode } from '../shared/idempotency';

/**
 * One route's contract. Request schemas (`body`, `query`, `params`) and `idempotency` are what
 * the handler validates with (it passes this entry to `routeSpec`); `responses` and `errors` are
 * what it answers.
 */
export interface RouteContract {
  /** One line for the document's operation list. */
  readonly summary: string;
  readonly description?: string;
  readonly body?: z.ZodMiniType;
  readonly query?: z.ZodMiniType;
  readonly params?: z.ZodMiniType;
  /** Default 'optional': a mutation honours an Idempotency-Key; 'required' refuses one without. */
  readonly idempotency?: IdempotencyMode;
  /** Public reads answered with ETag and Cache-Control (and 304 on a matching If-None-Match). */
  readonly cacheSeconds?: number;
  /**
   * Every success status with its body schema, or `null` for no body (204). A response schema is
   * a pure shape (no transforms, no defaults): the typed test client parses each answer with it.
   */
  readonly responses: Readonly<Record<number, Response>>;
  /**
   * The error codes the route itself answers, by status, beyond the ones its kind always can
   * (added by `errorCodesOf`: 400 validation, 401, 403, idempotency's 400/409/422, 429).
   */
  readonly errors?: Readonly<Record<number, readonly string[]>>;
}

/** A success answer: its body schema (null: none), with what the document says of it. */
export type Response = z.ZodMiniType | null | { readonly schema: z.ZodMiniType | null; readonly description: string; readonly location?: true };

/** Keeps each entry's literal types (schemas, idempotency mode) for the handler that uses it. */
export const routes = <const T extends Record<string, RouteContract>>(entries: T): T => entries;

/** ISO 8601 timestamps as the API writes them (`Date#toISOString`). */
export const timestamp = z.withMeta(z.iso.datetime(), { example: '2025-01-31T12:00:00.000Z' });

/** A count of stock units, as the catalog and the inventory answer it. */
export const units = z.int().check(z.gte(0));

/** `{ items, nextCursor }`: one page of a list route; `nextCursor` is null on the last page. */
export const page = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.withMeta(z.nullable(z.string()), { description: 'Pass as `cursor` for the next page; null on the last one' }) });

/** The contract's error body; `codes` are the ones the status may carry on this route. */
export const errorBody = (codes: readonly [string, ...string[]]) =>
  z.object({
    error: z.object({
      code: z.enum(codes),
      message: z.withMeta(z.string(), { description: 'Safe to show; never internals' }),
      details: z.withMeta(z.array(z.unknown()), { description: 'What the code is about: invalid fields, the SKU short of stock …' }),
    }),
    requestId: z.string(),
  });

/** The statuses (and their codes) every route of a kind may answer, derived from its auth, schemas and method. */
export function errorCodesOf(contract: RouteContract, route: { readonly method: string; readonly auth: string }): Map<number, string[]> {
  const codes = new Map<number, string[]>();
  const add = (status: number, ...more: readonly string[]) => codes.set(status, [...new Set([...(codes.get(status) ?? []), ...more])]);
  const mutation = route.method !== 'GET';
  const idempotent = mutation && contract.idempotency !== 'none';
  if (contract.body) add(400, 'MALFORMED_JSON');
  if (contract.body || contract.query || contract.params || idempotent) add(400, 'VALIDATION_FAILED');
  if (contract.idempotency === 'required') add(400, 'IDEMPOTENCY_KEY_REQUIRED');
  if (route.auth !== 'public') add(401, 'UNAUTHORIZED');
  if (route.auth === 'admin') add(403, 'FORBIDDEN');
  for (const [status, declared] of Object.entries(contract.errors ?? {})) add(Number(status), ...declared);
  if (idempotent) {
    add(409, 'IDEMPOTENCY_IN_PROGRESS');
    add(422, 'IDEMPOTENCY_KEY_REUSED');
  }
  add(429, 'TOO_MANY_REQUESTS');
  return new Map([...codes].sort(([a], [b]) => a - b));
}

/** A response entry's parts, whichever way it was written. */
export function responseOf(response: Response): { schema: z.ZodMiniType | null; description?: string; location?: true } {
  if (response === null || '_zod' in response) return { schema: response };
  return response;
}
