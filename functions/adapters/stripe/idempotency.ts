import Stripe from 'stripe';

/**
 * Stripe keeps the first answer to an Idempotency-Key for 24 hours and replays it to every retry,
 * a 500 included (docs.stripe.com/api/idempotent_requests), so a key that got a 500 can never
 * succeed again. `withFreshKeys` runs `call` under `baseKey`, then `baseKey~2`, `baseKey~3` …
 * for as long as Stripe answers 500. The chain is deterministic: a re-run (a Step Functions
 * retry, a restarted Lambda) walks the same keys, finds each one's saved answer again and never
 * does the work twice. A replayed 500 (Idempotent-Replayed: true) only says that key is spent;
 * a fresh one counts towards MAX_FRESH_FAILURES, after which the error goes to the caller, whose
 * own retry walks on from there.
 *
 * What a 500 did is not known, so before a key is given up `settled` (when given) asks Stripe
 * whether the work happened anyway; an answer other than undefined is the result. Calls whose
 * repetition moves money (confirm, refund, cancel) must pass it; a create that moves nothing
 * (an unconfirmed PaymentIntent, a customer) needs none.
 */
export async function withFreshKeys<T>(baseKey: string, call: (key: string) => Promise<T>, settled?: () => Promise<T | undefined>): Promise<T> {
  let freshFailures = 0;
  for (let n = 1; ; n++) {
    try {
      return await call(n === 1 ? baseKey : `${baseKey}~${n}`);
    } catch (error) {
      if (!isServerError(error) || n >= MAX_KEYS) throw error;
      if (!isReplay(error) && ++freshFailures > MAX_FRESH_FAILURES) throw error;
      const done = await settled?.();
      if (done !== undefined) return done;
    }
  }
}

/** Fresh 500s tolerated in one call before the caller's (slower) retry takes over. */
const MAX_FRESH_FAILURES = 2;
/** Keys tried in all: at 24 h retention, more than any run of 500s Stripe should ever give. */
const MAX_KEYS = 20;

function isServerError(error: unknown): error is InstanceType<typeof Stripe.errors.StripeError> {
  return error instanceof Stripe.errors.StripeAPIError && (error.statusCode ?? 0) >= 500;
}

function isReplay(error: InstanceType<typeof Stripe.errors.StripeError>): boolean {
  const headers = error.headers as Record<string, string | undefined> | undefined;
  return headers?.['idempotent-replayed'] === 'true';
}
