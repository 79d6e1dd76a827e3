import type { Params } from './params';
import type { Store, StoredObject } from './store';

/** What every resource handler gets: the store and what it needs to know about the request. */
export interface RequestContext {
  readonly store: Store;
  /** Unix seconds, Stripe's `created` unit; one value for the whole request. */
  readonly now: number;
  readonly requestId: string;
  readonly idempotencyKey: string | null;
  /** Where the server listens, for URLs it hands out (3-D Secure redirects). */
  readonly baseUrl: string;
  /** Records an `evt_…` for `object` (inside the request's transaction) and queues its webhook. */
  emit(type: string, object: StoredObject, previousAttributes?: Record<string, unknown>): void;
}

/** A JSON response body: an API object, a list envelope or a deletion marker. */
export type ApiBody = object;

export type Handler = (context: RequestContext, params: Params, path: Record<string, string>) => ApiBody;

/** Stripe's list envelope. */
export function listOf(url: string, page: { data: StoredObject[]; hasMore: boolean }): ApiBody {
  return { object: 'list', data: page.data, has_more: page.hasMore, url };
}
