import type { MiddlewareObj, Request } from '@middy/core';
import { createHash } from 'node:crypto';
import { idempotencyKeys } from '../adapters/dynamodb/keys';
import { deleteItem, entityTag, getItem, isConditionFailure, putItem, updateItem } from '../adapters/dynamodb/table';
import {
  IdempotencyInProgress,
  IdempotencyKeyRequired,
  IdempotencyKeyReused,
  ValidationFailed,
} from '../domain/errors';
import { logger } from './logger';
import { callerOf, type ApiEvent, type ApiResponse } from './http';

/** `required`: the route refuses a mutation without a key; `optional`: honoured when sent. */
export type IdempotencyMode = 'required' | 'optional' | 'none';

const RETENTION_SECONDS = 24 * 3600;
/** How long a claimed key blocks a retry before a crashed first attempt is presumed dead. */
const LOCK_SECONDS = 60;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Claim {
  readonly pk: string;
  readonly sk: string;
}

/**
 * The contract's Idempotency-Key semantics as a middy middleware, stored in the single table.
 * Hand-written rather than Powertools' idempotency utility because the contract needs what that
 * utility does not expose: a replay marker header, 422 on a reused key, and 409 while in flight.
 * Same key + same request within 24 h replays the first response; another request body → 422;
 * a retry while the first is still running → 409. A failed attempt releases its key.
 */
export function idempotency(mode: IdempotencyMode): MiddlewareObj<ApiEvent, ApiResponse> {
  const claims = new WeakMap<object, Claim>();
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
      const claim = idempotencyKeys.record(scopeOf(event), key);
      const replay = await claimOrReplay(claim, fingerprintOf(event));
      if (replay) return replay;
      claims.set(request, claim);
    },
    after: async (request) => {
      const claim = claims.get(request);
      if (!claim || !request.response) return;
      // The mutation has committed, so its key is not released: a retry within the lock gets 409, not a second run.
      claims.delete(request);
      await complete(claim, request.response).catch((error: unknown) =>
        logger.warn('Idempotency record not stored; the key stays locked until its lock lapses', { error: error as Error }),
      );
    },
    onError: async (request: Request<ApiEvent, ApiResponse>) => {
      const claim = claims.get(request);
      if (claim) await deleteItem({ Key: claim });
    },
  };
}

function scopeOf(event: ApiEvent): string {
  return `${callerOf(event)?.sub ?? 'anonymous'}#${event.routeKey}`;
}

function fingerprintOf(event: ApiEvent): string {
  return createHash('sha256').update(`${event.rawPath}\n${event.body ?? ''}`).digest('base64url');
}

/** Claims the key, or returns the stored response to replay; throws 409/422 otherwise. */
async function claimOrReplay(claim: Claim, fingerprint: string): Promise<ApiResponse | undefined> {
  const now = Math.floor(Date.now() / 1000);
  try {
    await putItem({
      Item: {
        ...claim,
        ...entityTag('IDEMPOTENCY'),
        status: 'IN_PROGRESS',
        fingerprint,
        lockedUntil: now + LOCK_SECONDS,
        ttl: now + RETENTION_SECONDS,
      },
      ConditionExpression:
        'attribute_not_exists(pk) OR #ttl < :now OR (#status = :inProgress AND lockedUntil < :now)',
      ExpressionAttributeNames: { '#ttl': 'ttl', '#status': 'status' },
      ExpressionAttributeValues: { ':now': now, ':inProgress': 'IN_PROGRESS' },
    });
    return undefined;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const { Item } = await getItem({ Key: claim, ConsistentRead: true });
  if (!Item) return claimOrReplay(claim, fingerprint);
  if (Item.fingerprint !== fingerprint) throw new IdempotencyKeyReused();
  if (Item.status !== 'COMPLETED') throw new IdempotencyInProgress();
  const stored = Item.response as ApiResponse;
  return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } };
}

async function complete(claim: Claim, response: ApiResponse): Promise<void> {
  await updateItem({
    Key: claim,
    UpdateExpression: 'SET #status = :completed, #response = :response',
    ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
    ExpressionAttributeValues: { ':completed': 'COMPLETED', ':response': response },
  });
}
