/**
 * Settings read from the environment once, by getters that throw when a required one is unset,
 * so a misconfigured function fails loudly at first use instead of writing to `undefined`.
 * The infrastructure sets these next to the matching grant (lib/) and the local stack sets
 * them in-process (lib/local/).
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

function numberOr(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`Environment variable ${name} must be a non-negative number`);
  return value;
}

export const env = {
  get tableName(): string {
    return required('TABLE_NAME');
  },
  get holdTtlSeconds(): number {
    return numberOr('HOLD_TTL_SECONDS', 900);
  },
  /** How long after its first hold a cart line may still be renewed to (tenant setting holdMaxLifetimeSeconds). */
  get holdMaxLifetimeSeconds(): number {
    return numberOr('HOLD_MAX_LIFETIME_SECONDS', 3600);
  },
  /** The most units of one SKU one customer's cart may hold (tenant setting maxUnitsPerCustomer). */
  get maxUnitsPerCustomer(): number {
    return numberOr('MAX_UNITS_PER_CUSTOMER', 99);
  },
  get completeAfterSeconds(): number {
    return numberOr('COMPLETE_AFTER_SECONDS', 14 * 24 * 3600);
  },
  /** How long a paid order may wait for the merchant to ship before it needs attention. */
  get fulfillmentSlaSeconds(): number {
    return numberOr('FULFILLMENT_SLA_SECONDS', 7 * 24 * 3600);
  },
  /** How long a payment may wait for the customer's 3-D Secure step before it is voided. */
  get authenticationTimeoutSeconds(): number {
    return numberOr('AUTHENTICATION_TIMEOUT_SECONDS', 24 * 3600);
  },
  /** The order workflow (one execution per order); set next to the workflow grant. */
  get stateMachineArn(): string {
    return required('STATE_MACHINE_ARN');
  },
};
