import type { MiddlewareObj, Request } from '@middy/core';
import { createHash } from 'node:crypto';
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

/** One Idempotency-Key of one caller on one route. */
export interface IdempotencyRecordId {
  readonly scope: string;
  readonly key: string;
}

/** What an earlier request with the same key left: still running, or its response to replay. */
export type EarlierRequest =
  | { readonly state: 'in-progress'; readonly fingerprint?: string }
  | { readonly state: 'completed'; readonly fingerprint?: string; readonly response: ApiResponse };

/**
 * Where the middleware keeps its records; the table-backed one is
 * adapters/dynamodb/idempotency-store.ts. Mutating routes hand it to their route spec, so a
 * function that mutates nothing carries no store (and no database client) in its bundle.
 */
export interface IdempotencyStore {
  /** Claims the key with a lock; undefined when claimed, else what the earlier request left. */
  claim(id: IdempotencyRecordId, fingerprint: string, timing: { lockSeconds: number; retentionSeconds: number }): Promise<EarlierRequest | undefined>;
  /** Keeps the response of the claimed request for every later one to replay. */
  complete(id: IdempotencyRecordId, response: ApiResponse): Promise<void>;
  /** Gives the claim back: the next request with the key runs again. */
  release(id: IdempotencyRecordId): Promise<void>;
  /** A consistent read of the key's record, for routes that store it in their own transaction. */
  find(id: IdempotencyRecordId): Promise<EarlierRequest | undefined>;
  /** Stores the response if the key is still unused; false when another request stored one first. */
  record(id: IdempotencyRecordId, fingerprint: string, response: ApiResponse, retentionSeconds: number): Promise<boolean>;
}

/**
 * The key of a route that stores its response in the same transaction as the mutation it guards
 * (`recordsInTransaction`): no claim before the handler, one write fewer after it. The
 * middleware looks the key up while the handler reads; the handler awaits `firstUse` before it
 * writes, and puts the record into its transaction with the adapter's item for it, on the
 * condition that the key is still unused, so two requests with one key never both commit.
 */
export interface IdempotentWrite extends IdempotencyRecordId {
  readonly fingerprint: string;
  readonly retentionSeconds: number;
  /** Resolves when no earlier request used the key; otherwise throws the contract's answer (replay, 422, 409). */
  firstUse(): Promise<void>;
  /** After the transaction failed on the record's condition: throws the answer of the request that won. */
  lostTo(): Promise<never>;
  /** Tells the middleware that the response is stored (the transaction committed). */
  markRecorded(): void;
}

/** Thrown to answer with an earlier request's response (already carrying `idempotent-replayed: true`). */
export class IdempotentReplay extends Error {
  override readonly name = 'IdempotentReplay';
  constructor(readonly response: ApiResponse) {
    super('Replaying the response of an earlier request with this Idempotency-Key');
  }
}

const RETENTION_SECONDS = 24 * 3600;
/** How long a claimed key blocks a retry before a crashed first attempt is presumed dead. */
const LOCK_SECONDS = 60;
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const writes = new WeakMap<ApiEvent, IdempotentWrite>();

/** The handler's view of its request's key, on a route that stores its record in its own transaction. */
export function idempotentWriteOf(event: ApiEvent): IdempotentWrite | undefined {
  return writes.get(event);
}

export interface IdempotencyOptions {
  readonly mode: IdempotencyMode;
  readonly store?: IdempotencyStore;
  /** The handler stores the response in its own transaction (see IdempotentWrite). */
  readonly recordsInTransaction?: boolean;
}

/**
 * The contract's Idempotency-Key semantics as a middy middleware, over the route's store.
 * Same key + same request within 24 h replays the first response; another request body → 422;
 * a retry while the first is still running → 409. A failed attempt releases its key.
 */
export function idempotency({ mode, store, recordsInTransaction = false }: IdempotencyOptions): MiddlewareObj<ApiEvent, ApiResponse> {
  const claims = new WeakMap<object, IdempotencyRecordId>();
  const guarded = (event: ApiEvent): { id: IdempotencyRecordId; fingerprint: string } | undefined => {
    if (mode === 'none' || !MUTATING.has(event.requestContext.http.method)) return undefined;
    const key = event.headers?.['idempotency-key'];
    if (!key) {
      if (mode === 'required') throw new IdempotencyKeyRequired();
      return undefined;
    }
    if (key.length > 255) throw new ValidationFailed([{ in: 'header', path: 'Idempotency-Key', message: 'At most 255 characters' }]);
    if (!store) throw new Error(`Route ${event.routeKey} honours Idempotency-Key but was given no store`);
    return { id: { scope: scopeOf(event), key }, fingerprint: fingerprintOf(event) };
  };
  if (recordsInTransaction) return inTransaction(guarded, store!);
  return {
    before: async (request) => {
      const guard = guarded(request.event);
      if (!guard) return;
      const earlier = await store!.claim(guard.id, guard.fingerprint, { lockSeconds: LOCK_SECONDS, retentionSeconds: RETENTION_SECONDS });
      if (earlier) return replayOf(earlier, guard.fingerprint);
      claims.set(request, guard.id);
    },
    after: async (request) => {
      const id = claims.get(request);
      if (!id || !request.response) return;
      // The mutation has committed, so its key is not released: a retry within the lock gets 409, not a second run.
      claims.delete(request);
      await store!.complete(id, request.response).catch((error: unknown) =>
        logger.warn('Idempotency record not stored; the key stays locked until its lock lapses', { error: error as Error }),
      );
    },
    onError: async (request: Request<ApiEvent, ApiResponse>) => {
      const id = claims.get(request);
      if (id) await store!.release(id);
    },
  };
}

/**
 * The middleware of a route whose handler stores the record itself. An earlier request's answer
 * always wins over what this one did or failed with; a success that stored no record (a path
 * with nothing to commit) stores it here, unless another request got there first.
 */
function inTransaction(
  guarded: (event: ApiEvent) => { id: IdempotencyRecordId; fingerprint: string } | undefined,
  store: IdempotencyStore,
): MiddlewareObj<ApiEvent, ApiResponse> {
  const state = new WeakMap<object, { write: IdempotentWrite; earlier: Promise<EarlierRequest | undefined>; recorded: boolean }>();
  /** The replay of an earlier request with the key, if there was one; throws its 409 or 422. */
  const earlierAnswer = async (request: Request<ApiEvent, ApiResponse>) => {
    const entry = state.get(request);
    const earlier = entry && (await entry.earlier);
    return earlier && replayOf(earlier, entry.write.fingerprint);
  };
  return {
    before: (request) => {
      const guard = guarded(request.event);
      if (!guard) return;
      const { id, fingerprint } = guard;
      const earlier = store.find(id);
      earlier.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
      const entry = { earlier, recorded: false, write: undefined as unknown as IdempotentWrite };
      entry.write = {
        ...id,
        fingerprint,
        retentionSeconds: RETENTION_SECONDS,
        firstUse: async () => {
          const found = await earlier;
          if (found) throw new IdempotentReplay(replayOf(found, fingerprint));
        },
        lostTo: async () => {
          const winner = await store.find(id);
          if (winner) throw new IdempotentReplay(replayOf(winner, fingerprint));
          throw new IdempotencyInProgress();
        },
        markRecorded: () => {
          entry.recorded = true;
        },
      };
      state.set(request, entry);
      writes.set(request.event, entry.write);
    },
    after: async (request) => {
      const entry = state.get(request);
      if (!entry || entry.recorded || !request.response) return;
      const replay = await earlierAnswer(request);
      if (replay) {
        request.response = replay;
        return;
      }
      const { write } = entry;
      if (!(await store.record(write, write.fingerprint, request.response, write.retentionSeconds))) await write.lostTo();
    },
    onError: async (request) => {
      if (request.error instanceof IdempotentReplay) return request.error.response;
      // An earlier request's replay, 409 or 422 beats whatever this one failed with.
      return earlierAnswer(request);
    },
  };
}

function scopeOf(event: ApiEvent): string {
  return `${subjectOf(event) ?? 'anonymous'}#${event.routeKey}`;
}

function fingerprintOf(event: ApiEvent): string {
  return createHash('sha256').update(`${event.rawPath}\n${event.body ?? ''}`).digest('base64url');
}

/** The earlier response to replay; throws 422 for another request body, 409 while the first runs. */
function replayOf(earlier: EarlierRequest, fingerprint: string): ApiResponse {
  if (earlier.fingerprint !== fingerprint) throw new IdempotencyKeyReused();
  if (earlier.state === 'in-progress') throw new IdempotencyInProgress();
  const stored = earlier.response;
  return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } };
}
