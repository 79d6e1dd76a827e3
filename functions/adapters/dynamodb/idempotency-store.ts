/**
 * The Idempotency-Key records of the HTTP routes in the single table (idempotencyKeys in
 * keys.ts): the store that shared/idempotency.ts's middleware is given by every mutating route.
 * Claim, lock and replay are once.ts's; this maps them onto the middleware's terms, and builds
 * the record's item for a route that commits it in the transaction of the mutation it guards.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ApiResponse } from '../../shared/api-event';
import type { EarlierRequest, IdempotencyRecordId, IdempotencyStore, IdempotentWrite } from '../../shared/idempotency';
import { idempotencyKeys } from './keys';
import { claim, complete, completedPut, find, release, type Claim } from './once';
import { isConditionFailure, putItem, type TransactItem } from './table';

const keyOf = ({ scope, key }: IdempotencyRecordId) => idempotencyKeys.record(scope, key);

/**
 * The response as the record keeps it: its JSON, deflated (node:zlib), in a binary attribute.
 * Why: a cart's or an order's response is 1–3 KB of JSON repeating its own keys, and the cart add
 * and the checkout write the record in their transaction, where each started KB costs 2 WRU;
 * deflated it is about a third (a 1.8 KB order: 0.6 KB), so the record mostly stays in its first
 * KB, for ~0.1 ms of CPU. JSON also keeps the response's key order, which a DynamoDB map need
 * not, so a replay serializes byte for byte as the first answer did.
 */
const packed = (response: ApiResponse): Uint8Array => deflateRawSync(JSON.stringify(response));

/** A record's response; one stored as a map (written before responses were packed, kept ≤ 24 h) reads as it is. */
function unpacked(stored: unknown): ApiResponse {
  return (stored instanceof Uint8Array ? JSON.parse(inflateRawSync(stored).toString('utf8')) : stored) as ApiResponse;
}

function earlierOf(found: Claim): EarlierRequest | undefined {
  if (found.state === 'claimed') return undefined;
  if (found.state === 'in-progress') return { state: 'in-progress', fingerprint: found.fingerprint };
  return { state: 'completed', fingerprint: found.fingerprint, response: unpacked(found.result) };
}

export const idempotencyStore: IdempotencyStore = {
  claim: async (id, fingerprint, { lockSeconds, retentionSeconds }) =>
    earlierOf(await claim(keyOf(id), { entity: 'IDEMPOTENCY', lockSeconds, retentionSeconds, fingerprint })),
  complete: (id, response) => complete(keyOf(id), packed(response)),
  release: (id) => release(keyOf(id)),
  find: async (id) => {
    const found = await find(keyOf(id));
    return found && earlierOf(found);
  },
  record: async (id, fingerprint, response, retentionSeconds) => {
    try {
      await putItem(completedPut(keyOf(id), { entity: 'IDEMPOTENCY', fingerprint, retentionSeconds }, packed(response)));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  },
};

/**
 * The transaction item that stores `response` as the key's record, on the condition that no
 * live record holds the key: add it LAST to the transaction of the mutation it guards.
 */
export function idempotencyRecordItem(write: IdempotentWrite, response: ApiResponse): TransactItem {
  return { Put: completedPut(keyOf(write), { entity: 'IDEMPOTENCY', fingerprint: write.fingerprint, retentionSeconds: write.retentionSeconds }, packed(response)) };
}
