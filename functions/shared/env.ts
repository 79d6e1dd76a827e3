/**
 * Settings read from the environment once, by getters that throw when a required one is unset,
 * so a misconfigured function fails loudly at first use instead of writing to `undefined`.
 * The infrastructure sets these next to the matching grant (lib/) and the local stack sets
 * them in-process (lib/local/); the names are declared once, in lib/env-names.ts and lib/consumers.ts.
 */
import { QUEUES, type QueueId } from '../../lib/consumers';
import { ENV } from '../../lib/env-names';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** What a deployed function serves catalog reads from memory for when its stack sets nothing (the local stack sets 0). */
export const CATALOG_CACHE_SECONDS_ON_AWS = 5;

function numberOr(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`Environment variable ${name} must be a non-negative number`);
  return value;
}

export const env = {
  get tableName(): string {
    return required(ENV.tableName);
  },
  get holdTtlSeconds(): number {
    return numberOr(ENV.holdTtlSeconds, 900);
  },
  /** How long after its first hold a cart line may still be renewed to (tenant setting holdMaxLifetimeSeconds). */
  get holdMaxLifetimeSeconds(): number {
    return numberOr(ENV.holdMaxLifetimeSeconds, 3600);
  },
  /** The most units of one SKU one customer's cart may hold (tenant setting maxUnitsPerCustomer). */
  get maxUnitsPerCustomer(): number {
    return numberOr(ENV.maxUnitsPerCustomer, 99);
  },
  /** How long a catalog read (product, list, search) is served from the function's memory. */
  get catalogCacheSeconds(): number {
    return numberOr(ENV.catalogCacheSeconds, CATALOG_CACHE_SECONDS_ON_AWS);
  },
  get completeAfterSeconds(): number {
    return numberOr(ENV.completeAfterSeconds, 14 * 24 * 3600);
  },
  /** How long a paid order may wait for the merchant to ship before it needs attention. */
  get fulfillmentSlaSeconds(): number {
    return numberOr(ENV.fulfillmentSlaSeconds, 7 * 24 * 3600);
  },
  /** How long a payment may wait for the customer's 3-D Secure step before it is voided. */
  get authenticationTimeoutSeconds(): number {
    return numberOr(ENV.authenticationTimeoutSeconds, 24 * 3600);
  },
  /** Which merchant webhook URLs the stage accepts; unset means the strict production rule. */
  get webhookUrlPolicy(): 'public-https' | 'allow-private' {
    return process.env[ENV.webhookUrlPolicy] === 'allow-private' ? 'allow-private' : 'public-https';
  },
  /** The backoff of failed webhook deliveries: base·2^(n−1) seconds, at most max. */
  get webhookRetrySchedule(): { baseSeconds: number; maxSeconds: number } {
    return { baseSeconds: numberOr(ENV.webhookRetryBaseSeconds, 30), maxSeconds: numberOr(ENV.webhookRetryMaxSeconds, 3600) };
  },
  /** The order workflow (one execution per order); set next to the workflow grant. */
  get stateMachineArn(): string {
    return required(ENV.stateMachineArn);
  },
  /** Stripe's publishable key for clients (tenant setting stripePublishableKey); undefined when none is set. */
  get stripePublishableKey(): string | undefined {
    return process.env[ENV.stripePublishableKey] || undefined;
  },
  /** Where an order's customer returns after 3-D Secure (tenant setting paymentReturnUrl); undefined when none is set. */
  paymentReturnUrl(orderId: string): string | undefined {
    return process.env[ENV.paymentReturnUrl]?.replaceAll('{orderId}', encodeURIComponent(orderId)) || undefined;
  },
  /** The URL of one of the stack's queues; set next to the send grant. */
  queueUrl(queue: QueueId): string {
    return required(QUEUES.find(({ id }) => id === queue)!.urlEnvVar);
  },
};
