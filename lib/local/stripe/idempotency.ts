import { createHash } from 'node:crypto';
import { idempotencyMismatch, invalidRequest, StripeApiError } from './errors';
import { canonicalForm, type FormObject } from './form';
import type { IdempotencyRecord, Store } from './store';

/**
 * Stripe's Idempotency-Key rules (docs.stripe.com/api/idempotent_requests), for POSTs only (GET
 * and DELETE ignore the header): the first response of an execution under a key (a success, a
 * card decline or a 500 alike) is kept 24 hours and replayed, byte for byte, to a retry with the
 * same method, path and params; the same key with anything else is a 400 idempotency_error; a
 * request whose key is in use by one still under way gets 409 idempotency_key_in_use. Requests
 * that failed validation keep nothing, so a corrected retry may reuse the key.
 */
export const RETENTION_MS = 24 * 3600 * 1000;
const MAX_KEY_LENGTH = 255;

export interface KeyedRequest {
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly params: FormObject;
}

export interface StoredResponse {
  readonly status: number;
  readonly body: string;
}

/** The response to replay for this key, if any; throws when the key was used for another request. */
export function replayFor(store: Store, request: KeyedRequest, nowMs: number): StoredResponse | undefined {
  if (request.key.length > MAX_KEY_LENGTH) {
    throw invalidRequest(`Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters long.`);
  }
  const record = store.getIdempotency(request.key);
  if (!record || record.createdMs < nowMs - RETENTION_MS) return undefined;
  if (record.method !== request.method || record.path !== request.path) {
    throw idempotencyMismatch(request.key, ` (first used for ${record.method} ${record.path})`);
  }
  if (record.fingerprint !== fingerprint(request.params)) throw idempotencyMismatch(request.key, '');
  return { status: record.status, body: record.body };
}

export function remember(store: Store, request: KeyedRequest, response: StoredResponse, nowMs: number): void {
  const record: IdempotencyRecord = {
    key: request.key,
    method: request.method,
    path: request.path,
    fingerprint: fingerprint(request.params),
    status: response.status,
    body: response.body,
    createdMs: nowMs,
  };
  store.putIdempotency(record);
}

/** Drops keys past their 24 hours. */
export function pruneExpired(store: Store, nowMs: number): void {
  store.deleteIdempotencyBefore(nowMs - RETENTION_MS);
}

function fingerprint(params: FormObject): string {
  return createHash('sha256').update(canonicalForm(params)).digest('hex');
}

/**
 * Marks a POST's key as in use until the returned release runs (when its response is sent);
 * throws 409 idempotency_key_in_use while another request holds it. Nothing is kept for the
 * refused request, so the client's retry (the SDK retries 409s) gets the first one's answer.
 */
export function claimKey(inUse: Set<string>, method: string, key: string | undefined): (() => void) | undefined {
  if (method !== 'POST' || !key) return undefined;
  if (inUse.has(key)) {
    throw new StripeApiError(409, {
      type: 'invalid_request_error',
      code: 'idempotency_key_in_use',
      doc_url: 'https://stripe.com/docs/error-codes/idempotency-key-in-use',
      message: `There is currently another in-progress request using this Idempotency-Key (${key}); try again later.`,
    });
  }
  inUse.add(key);
  return () => inUse.delete(key);
}
