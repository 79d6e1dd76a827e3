import type { ApiResponse } from '../../../functions/shared/api-event';
import type { EarlierRequest, IdempotencyRecordId, IdempotencyStore } from '../../../functions/shared/idempotency';

/** The idempotency store's contract over a Map, for the middleware's unit tests (the table's is tested connected). */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<string, EarlierRequest>();
  readonly calls: string[] = [];

  async claim(id: IdempotencyRecordId, fingerprint: string): Promise<EarlierRequest | undefined> {
    this.calls.push('claim');
    const earlier = this.records.get(keyOf(id));
    if (earlier) return earlier;
    this.records.set(keyOf(id), { state: 'in-progress', fingerprint });
    return undefined;
  }

  async complete(id: IdempotencyRecordId, response: ApiResponse): Promise<void> {
    this.calls.push('complete');
    const earlier = this.records.get(keyOf(id))!;
    this.records.set(keyOf(id), { state: 'completed', fingerprint: earlier.fingerprint, response });
  }

  async release(id: IdempotencyRecordId): Promise<void> {
    this.calls.push('release');
    if (this.records.get(keyOf(id))?.state === 'in-progress') this.records.delete(keyOf(id));
  }

  async find(id: IdempotencyRecordId): Promise<EarlierRequest | undefined> {
    this.calls.push('find');
    return this.records.get(keyOf(id));
  }

  async record(id: IdempotencyRecordId, fingerprint: string, response: ApiResponse): Promise<boolean> {
    this.calls.push('record');
    if (this.records.has(keyOf(id))) return false;
    this.records.set(keyOf(id), { state: 'completed', fingerprint, response });
    return true;
  }
}

const keyOf = ({ scope, key }: IdempotencyRecordId) => `${scope}/${key}`;
