import { createHmac } from 'node:crypto';
import type { Store } from './store';

/**
 * Signed webhook delivery, as Stripe does it: the event JSON POSTed to the endpoint with
 * `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed by whsec_…>`,
 * a fresh signature per attempt, retried with exponential backoff on anything but a 2xx.
 * Delivery state lives in the store, so pending retries survive a restart.
 */
export interface WebhookEndpoint {
  readonly url: string;
  readonly secret: string;
}

export interface RetryPolicy {
  /** Delay before the second attempt; doubles per attempt. @default 1000 */
  readonly baseDelayMs: number;
  /** @default 300000 (5 min) */
  readonly maxDelayMs: number;
  /** Attempts before an event is marked failed. @default 12 */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 300_000, maxAttempts: 12 };

const CONCURRENCY = 8;
const TIMEOUT_MS = 10_000;

/** Stripe's signature header for `payload` at `timestamp` (unix seconds). */
export function signatureHeader(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export type Log = (level: 'info' | 'warn', message: string, data?: Record<string, unknown>) => void;

export class WebhookDispatcher {
  private readonly inFlight = new Map<string, AbortController>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private endpoint: WebhookEndpoint | undefined,
    private readonly retry: RetryPolicy,
    private readonly log: Log,
  ) {}

  /** Points future attempts (including pending retries) at another URL; undefined pauses delivery. */
  setEndpoint(endpoint: WebhookEndpoint | undefined): void {
    this.endpoint = endpoint;
    this.kick();
  }

  /** Starts whatever deliveries are due; called after every committed request. */
  kick(): void {
    if (this.stopped || !this.endpoint) return;
    const now = Date.now();
    const free = CONCURRENCY - this.inFlight.size;
    const waiting = this.store.upcomingDeliveries(CONCURRENCY * 2).filter((d) => !this.inFlight.has(d.eventId));
    for (const delivery of waiting.filter((d) => d.nextAttemptAt <= now).slice(0, Math.max(0, free))) {
      void this.attempt(delivery.eventId, delivery.attempts);
    }
    this.scheduleNext();
  }

  /** Stops the timer and abandons attempts under way (they stay pending for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const controller of this.inFlight.values()) controller.abort();
    while (this.inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Wakes up for the earliest pending delivery not already under way (at once if it is due). */
  private scheduleNext(): void {
    clearTimeout(this.timer);
    // With every slot busy there is nothing to start; the next attempt to finish kicks again.
    if (this.stopped || !this.endpoint || this.inFlight.size >= CONCURRENCY) return;
    const next = this.store.upcomingDeliveries(this.inFlight.size + 1).find((d) => !this.inFlight.has(d.eventId));
    if (next) this.timer = setTimeout(() => this.kick(), Math.max(0, next.nextAttemptAt - Date.now()));
  }

  private async attempt(eventId: string, previousAttempts: number): Promise<void> {
    const endpoint = this.endpoint;
    const event = this.store.getEvent<object>(eventId);
    if (!endpoint) return;
    if (!event) {
      this.store.recordAttempt(eventId, { state: 'failed', attempts: previousAttempts, nextAttemptAt: Date.now(), error: 'event not found' });
      return;
    }
    const controller = new AbortController();
    this.inFlight.set(eventId, controller);
    const attempts = previousAttempts + 1;
    let status: number | undefined;
    let error: string | undefined;
    try {
      status = await post(endpoint, event, controller.signal);
    } catch (cause) {
      error = cause instanceof Error ? cause.message : String(cause);
    } finally {
      this.inFlight.delete(eventId);
    }
    if (this.stopped) return; // aborted by stop(): left pending, retried after a restart
    this.record(eventId, attempts, status, error);
    this.kick();
  }

  private record(eventId: string, attempts: number, status: number | undefined, error: string | undefined): void {
    const ok = status !== undefined && status >= 200 && status < 300;
    const exhausted = !ok && attempts >= this.retry.maxAttempts;
    const delay = Math.min(this.retry.baseDelayMs * 2 ** (attempts - 1), this.retry.maxDelayMs);
    const state = ok ? 'delivered' : exhausted ? 'failed' : 'pending';
    this.store.recordAttempt(eventId, {
      state,
      attempts,
      nextAttemptAt: Date.now() + delay,
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error } : {}),
    });
    if (!ok) this.log('warn', `webhook delivery ${state === 'failed' ? 'gave up' : 'will retry'}`, { eventId, attempts, status, error });
  }
}

/** One attempt; the body is pretty-printed JSON, as Stripe sends it. */
async function post(endpoint: WebhookEndpoint, event: object, signal: AbortSignal): Promise<number> {
  const payload = JSON.stringify(event, null, 2);
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'stripe-signature': signatureHeader(payload, endpoint.secret, Math.floor(Date.now() / 1000)),
    },
    body: payload,
    signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
  });
  await response.body?.cancel(); // the endpoint's answer is not read, only its status
  return response.status;
}
