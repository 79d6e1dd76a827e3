/**
 * The Idempotency-Key records of the HTTP routes in the single table (idempotencyKeys in
 * keys.ts): the store that shared/idempotency.ts's middleware is given by every mutating route.
 * Claim, lock and replay are once.ts's; this maps them onto the middleware's terms, and builds
 * the record's item for a route that commits it in the transaction of the mutation it guards.
 */
import type { ApiResponse } from '../../shared/api-event';
import type { EarlierRequest, IdempotencyRecordId, IdempotencyStore, IdempotentWrite } from '../../shared/idempotency';
import { idempotencyKeys } from './keys';
import { claim, complete, completedPut, find, release, type Claim } from './once';
import { isConditionFailure, putItem, type TransactItem } from './table';

const keyOf = ({ scope, key }: IdempotencyRecordId) => idempotencyKeys.record(scope, key);

function earlierOf(found: Claim): EarlierRequest | undefined {
  if (found.state === 'claimed') return undefined;
  if (found.state === 'in-progress') return { state: 'in-progress', fingerprint: found.fingerprint };
  return { state: 'completed', fingerprint: found.fingerprint, response: found.result as ApiResponse };
}

export const idempotencyStore: IdempotencyStore = {
  claim: async (id, fingerprint, { lockSeconds, retentionSeconds }) =>
    earlierOf(await claim(keyOf(id), { entity: 'IDEMPOTENCY', lockSeconds, retentionSeconds, fingerprint })),
  complete: (id, response) => complete(keyOf(id), response),
  release: (id) => release(keyOf(id)),
  find: async (id) => {
    const found = await find(keyOf(id));
    return found && earlierOf(found);
  },
  record: async (id, fingerprint, response, retentionSeconds) => {
    try {
      await putItem(completedPut(keyOf(id), { entity: 'IDEMPOTENCY', fingerprint, retentionSeconds }, response));
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
  return { Put: completedPut(keyOf(write), { entity: 'IDEMPOTENCY', fingerprint: write.fingerprint, retentionSeconds: write.retentionSeconds }, response) };
}
