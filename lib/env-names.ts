/**
 * The names of the env vars the stacks hand to the functions: written once, used by the CDK
 * stack (set next to the matching grant, lib/constructs/service-functions.ts), by the local stack
 * (set in-process, lib/local/stack.ts) and by the functions that read them
 * (functions/shared/env.ts, functions/adapters/stripe/config.ts). Like lib/routes.ts it imports
 * nothing, so a function bundle that reads it gains no infrastructure code.
 * Queue URLs are named per queue in lib/consumers.ts (`urlEnvVar`).
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  holdTtlSeconds: 'HOLD_TTL_SECONDS',
  holdMaxLifetimeSeconds: 'HOLD_MAX_LIFETIME_SECONDS',
  maxUnitsPerCustomer: 'MAX_UNITS_PER_CUSTOMER',
  completeAfterSeconds: 'COMPLETE_AFTER_SECONDS',
  fulfillmentSlaSeconds: 'FULFILLMENT_SLA_SECONDS',
  /** How long a payment waits for 3-D Secure before it is voided (env only; AWS keeps the default). */
  authenticationTimeoutSeconds: 'AUTHENTICATION_TIMEOUT_SECONDS',
  /** How long a function keeps a catalog read in memory, 0 for never (env only; default 5). */
  catalogCacheSeconds: 'CATALOG_CACHE_SECONDS',
  tenant: 'CROWDSTART_TENANT',
  /** On AWS: the Secrets Manager secret holding the Stripe secret key. */
  stripeSecretName: 'STRIPE_SECRET_NAME',
  /** On AWS: the secret holding only the webhook signing secret. */
  stripeWebhookSecretName: 'STRIPE_WEBHOOK_SECRET_NAME',
  /** The Stripe secret key itself (local stack, CI, a developer's test account). */
  stripeSecretKey: 'STRIPE_SECRET_KEY',
  /** The `whsec_…` webhook signing secret itself. */
  stripeWebhookSecret: 'STRIPE_WEBHOOK_SECRET',
  /** Another Stripe API base URL, e.g. the local Stripe server. */
  stripeApiUrl: 'STRIPE_API_URL',
  /** Stripe's publishable key for clients (tenant setting stripePublishableKey), served by GET /config. */
  stripePublishableKey: 'STRIPE_PUBLISHABLE_KEY',
  /** Stripe's return_url after 3-D Secure, `{orderId}` in it replaced (tenant setting paymentReturnUrl). */
  paymentReturnUrl: 'PAYMENT_RETURN_URL',
  /** Which merchant webhook URLs the stage accepts (tenant setting webhookUrlPolicy). */
  webhookUrlPolicy: 'WEBHOOK_URL_POLICY',
  /** The first retry delay of a failed webhook delivery, doubled per attempt (env only; AWS keeps the default). */
  webhookRetryBaseSeconds: 'WEBHOOK_RETRY_BASE_SECONDS',
  /** The longest delay between two webhook attempts (env only). */
  webhookRetryMaxSeconds: 'WEBHOOK_RETRY_MAX_SECONDS',
} as const;
