import Stripe from 'stripe';
import { stripeSettings } from './config';
import { logger } from '../../shared/logger';
import { PaymentProviderMisconfigured } from './errors';

/**
 * The Stripe API version this code is written against, sent on every request. Pinned here
 * rather than left to the SDK's default, so upgrading the stripe package never changes the API's
 * behaviour unnoticed: the `satisfies` fails the type check until this line is moved on on
 * purpose (and the local Stripe server's IMPLEMENTED_API_VERSIONS with it). A real Stripe
 * account's webhook endpoint should be created with the same version (README).
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' satisfies Stripe.LatestApiVersion;

/**
 * The stripe SDK client, created once per process from configuration (config.ts). The SDK
 * retries connection errors and 409s itself, three times with backoff, reusing the same
 * Idempotency-Key on every attempt, so a lost response never charges twice. A 500 it does not
 * retry (Stripe answers it with Stripe-Should-Retry: false and replays it to the same key):
 * idempotency.ts moves on to a fresh key once it is safe.
 */
let client: Promise<Stripe> | undefined;

export function stripeClient(): Promise<Stripe> {
  client ??= stripeSettings().then(
    ({ secretKey, apiUrl }) =>
      logCalls(
        new Stripe(secretKey, {
          apiVersion: STRIPE_API_VERSION,
          maxNetworkRetries: 3,
          timeout: 20_000,
          appInfo: { name: 'crowdstart' },
          ...(apiUrl ? endpointOf(apiUrl) : {}),
        }),
      ),
    (error: unknown) => {
      client = undefined; // not cached: the next call reads the configuration again
      throw error;
    },
  );
  return client;
}

/**
 * One log line per Stripe call (its request id, idempotency key, status and time), carrying
 * the invocation's correlation id like every other line: the order's Stripe calls are part of
 * its story in the logs, and Stripe's request id finds the call in the Stripe Dashboard.
 */
function logCalls(stripe: Stripe): Stripe {
  stripe.on('response', (response: Stripe.ResponseEvent) =>
    logger.info('Stripe call', {
      stripe: {
        method: response.method,
        path: response.path,
        status: response.status,
        requestId: response.request_id,
        idempotencyKey: response.idempotency_key,
        elapsedMs: response.elapsed,
      },
    }),
  );
  return stripe;
}

/** STRIPE_API_URL (the local Stripe server) as the SDK's host, port and protocol. */
export function endpointOf(apiUrl: string): { host: string; port: number; protocol: 'http' | 'https' } {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch (cause) {
    throw new PaymentProviderMisconfigured(`STRIPE_API_URL is not a URL: ${apiUrl}`, cause);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
}
