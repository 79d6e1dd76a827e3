import type { ApiBody, RequestContext } from './context';
import { StripeApiError } from './errors';
import { recordEvent, subscribed } from './events';
import type { FaultInjector } from './faults';
import type { Store, StoredObject } from './store';
import type { Log, WebhookDispatcher } from './webhooks';

/** Who asked for a change: an API request, or nobody (the local 3-D Secure page). */
export interface Origin {
  readonly requestId: string | null;
  readonly idempotencyKey: string | null;
  readonly apiVersion: string;
}

/**
 * The Stripe API versions whose behaviour this server implements (method-types.ts follows the
 * 2026 "endive" rules, for one). A request with any other Stripe-Version is refused, so a client
 * pinned to another version finds out here rather than against Stripe. The first one is the
 * account's default, used when a request names none; events carry the request's version.
 */
export const IMPLEMENTED_API_VERSIONS = ['2026-10-28.endive'] as const;
export const DEFAULT_API_VERSION: string = IMPLEMENTED_API_VERSIONS[0];

/**
 * The server's shared state and the one way to change it: `mutate` runs a piece of work in a
 * transaction with a request context, then lets the webhook dispatcher send what it recorded.
 */
export class Engine {
  baseUrl = '';
  /** Event types the webhook endpoint listens to; undefined when there is no endpoint. */
  webhookEvents: readonly string[] | undefined;
  /**
   * False while the endpoint is disabled (POST /_local/webhook_endpoint): as on Stripe, events
   * created meanwhile are never sent to it, not even after it is enabled again.
   */
  webhooksEnabled = true;
  /** Idempotency-Keys of requests under way: a second request with one gets 409 (idempotency.ts). */
  readonly keysInUse = new Set<string>();

  constructor(
    readonly store: Store,
    readonly faults: FaultInjector,
    readonly dispatcher: WebhookDispatcher,
    readonly log: Log,
  ) {}

  /** Reads need no transaction: each statement sees committed data. */
  read<T>(origin: Origin, work: (context: RequestContext) => T): T {
    return work(this.context(origin));
  }

  mutate<T>(origin: Origin, work: (context: RequestContext) => T): T {
    const result = this.store.transaction(() => work(this.context(origin)));
    this.dispatcher.kick();
    return result;
  }

  private context(origin: Origin): RequestContext {
    const now = Math.floor(Date.now() / 1000);
    const request = origin.requestId ? { id: origin.requestId, idempotency_key: origin.idempotencyKey } : null;
    return {
      store: this.store,
      now,
      requestId: origin.requestId ?? '',
      idempotencyKey: origin.idempotencyKey,
      baseUrl: this.baseUrl,
      emit: (type: string, object: StoredObject, previousAttributes?: Record<string, unknown>) => {
        const deliver = this.webhooksEnabled && this.webhookEvents !== undefined && subscribed(this.webhookEvents, type);
        const source = { type, object, created: now, apiVersion: origin.apiVersion, request };
        recordEvent(this.store, previousAttributes ? { ...source, previousAttributes } : source, deliver);
      },
    };
  }
}

/** The JSON text of a response body (pretty, as Stripe answers). */
export function json(body: ApiBody): string {
  return JSON.stringify(body, null, 2);
}

/** Stripe's error envelope for a thrown error; anything unexpected is a logged 500. */
export function errorResponse(error: unknown, log: Log): { status: number; body: string } {
  if (error instanceof StripeApiError) return { status: error.status, body: json({ error: error.body }) };
  log('warn', 'local Stripe server error', { error: error instanceof Error ? error.stack : String(error) });
  return { status: 500, body: json({ error: { type: 'api_error', message: 'An unknown error occurred.' } }) };
}
