import Stripe from 'stripe';
import { stripeSettings } from './config';
import { PaymentProviderMisconfigured } from './errors';

/**
 * The stripe SDK client, created once per process from configuration (config.ts). The SDK
 * retries connection errors, 409s and 5xx itself, three times with backoff, reusing the same
 * Idempotency-Key on every attempt, so a lost response never charges twice.
 */
let client: Promise<Stripe> | undefined;

export function stripeClient(): Promise<Stripe> {
  client ??= stripeSettings().then(
    ({ secretKey, apiUrl }) =>
      new Stripe(secretKey, {
        maxNetworkRetries: 3,
        timeout: 20_000,
        appInfo: { name: 'crowdstart' },
        ...(apiUrl ? endpointOf(apiUrl) : {}),
      }),
    (error: unknown) => {
      client = undefined; // not cached: the next call reads the configuration again
      throw error;
    },
  );
  return client;
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
