import type { MiddlewareObj, Request } from '@middy/core';
import { createHash } from 'node:crypto';
import { idempotencyKeys } from '../adapters/dynamodb/keys';
import { claim, complete, release, type OnceKey } from '../adapters/dynamodb/once';
import {
  IdempotencyInProgress,
  IdempotencyKeyRequired,
  IdempotencyKeyReused,
  ValidationFailed,
} from '../domain/errors';
import { logger } from './logger';
import { subjectOf, type ApiEvent, type ApiResponse } from './api-event';

/** `required`: the route refuses a mutation without a key; `optional`: honoured when sent. */
export type IdempotencyMode = 'required' | 'optional' | 'none';

const RETENTION_SECONDS = 24 * 3600;
/** How long a claimed key blocks a retry before a crashed first attempt is presumed dead. */
const LOCK_SECONDS = 60;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The contract's Idempotency-Key semantics as a middy middleware, stored in the single table.
 * The claim, its lock and the stored response are adapters/dynamodb/once.ts's (which says why
 * not Powertools' idempotency utility); this middleware maps them onto the contract.
 * Same key + same request within 24 h replays the first response; another request body → 422;
 * a retry while the first is still running → 409. A failed attempt releases its key.
 */
export function idempotency(mode: IdempotencyMode): MiddlewareObj<ApiEvent, ApiResponse> {
  const claims = new WeakMap<object, OnceKey>();
  return {
    before: async (request) => {
      const event = request.event;
      if (mode === 'none' || !MUTATING.has(event.requestContext.http.method)) return;
      const key = event.headers?.['idempotency-key'];
      if (!key) {
        if (mode === 'required') throw new IdempotencyKeyRequired();
        return;
      }
      if (key.length > 255) throw new ValidationFailed([{ in: 'header', path: 'Idempotency-Key', message: 'At most 255 characters' }]);
      const record = idempotencyKeys.record(scopeOf(event), key);
      const replay = await claimOrReplay(record, fingerprintOf(event));
      if (replay) return replay;
      claims.set(request, record);
    },
    after: async (request) => {
      const record = claims.get(request);
      if (!record || !request.response) return;
      // The mutation has committed, so its key is not released: a retry within the lock gets 409, not a second run.
      claims.delete(request);
      await complete(record, request.response).catch((error: unknown) =>
        logger.warn('Idempotency record not stored; the key stays locked until its lock lapses', { error: error as Error }),
      );
    },
    onError: async (request: Request<ApiEvent, ApiResponse>) => {
      const record = claims.get(request);
      if (record) await release(record);
    },
  };
}

function scopeOf(event: ApiEvent): string {
  return `${subjectOf(event) ?? 'anonymous'}#${event.routeKey}`;
}

function fingerprintOf(event: ApiEvent): string {
  return createHash('sha256').update(`${event.rawPath}\n${event.body ?? ''}`).digest('base64url');
}

/** Claims the key, or returns the stored response to replay; throws 409/422 otherwise. */
async function claimOrReplay(record: OnceKey, fingerprint: string): Promise<ApiResponse | undefined> {
  const earlier = await claim(record, {
    entity: 'IDEMPOTENCY',
    lockSeconds: LOCK_SECONDS,
    retentionSeconds: RETENTION_SECONDS,
    fingerprint,
  });
  if (earlier.state === 'claimed') return undefined;
  if (earlier.fingerprint !== fingerprint) throw new IdempotencyKeyReused();
  if (earlier.state === 'in-progress') throw new IdempotencyInProgress();
  const stored = earlier.result as ApiResponse;
  return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } };
}
