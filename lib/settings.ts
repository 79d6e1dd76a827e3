/**
 * Per-tenant settings: the one typed place that says how a tenant's stack differs from another.
 * Tenants are defined in code below; cdk.json (or `-c tenants='{…}'`) may override any field of
 * a tenant under the `tenants` context key, e.g. `{ "tenants": { "acme": { "throttle": { "rateLimit": 500 } } } }`.
 * Everything is plain data so overrides can come from JSON and are validated here, once.
 */
import { GLOBAL_INDEXES, type IndexName } from './table-schema';

/** Where the HTTP API's JWT authorizer trusts tokens from. */
export interface JwtSettings {
  /** The `iss` claim, e.g. `https://auth.example.com/`. */
  readonly issuer: string;
  /** Accepted `aud` (or Cognito `client_id`) values. */
  readonly audience: readonly string[];
}

/** API Gateway stage throttling, applied to every route. */
export interface ThrottleSettings {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Bucket size for bursts. */
  readonly burstLimit: number;
}

/**
 * How a new function version reaches traffic: `canary` sends 10 % to it for 5 minutes through
 * CodeDeploy, which rolls back by itself when one of the stage's alarms fires; `all-at-once`
 * moves the alias straight to the new version (fast, for disposable stages).
 */
export type DeploymentStrategy = 'canary' | 'all-at-once';

/**
 * Reserved concurrency: a floor and a ceiling per function, so a surge in one tenant's stack
 * cannot take the account's concurrency from another tenant's payments and consumers.
 */
export interface ReservedConcurrencySettings {
  /** Each workflow task that calls Stripe (pay, cancel, refund). */
  readonly payment: number;
  /** Each queue, stream and scheduled consumer; SQS sources are capped at it too (min 2). */
  readonly consumer: number;
}

/** Everything that may differ between two tenants' stacks. */
export interface TenantSettings {
  /** Tenant name; the stack is `Crowdstart-<tenant>`. */
  readonly tenant: string;
  /** Production stages keep their data (table, user pool, logs) when the stack or resource is deleted. */
  readonly production: boolean;
  /** An external identity provider; undefined creates a Cognito user pool and client for the stage. */
  readonly jwt?: JwtSettings;
  /** Secrets Manager name of the Stripe secret (never the key itself). */
  readonly stripeSecretName: string;
  /** Secrets Manager name of the webhook signing secret (`whsec_…`), apart so the webhook function cannot read the secret key. */
  readonly stripeWebhookSecretName: string;
  /** Stripe's publishable key (`pk_test_…`, `pk_live_…`; public by design), which GET /config gives clients for Stripe.js. */
  readonly stripePublishableKey?: string;
  /**
   * Stripe's `return_url` for 3-D Secure: the storefront's page of the order, where the customer's
   * browser comes back after the bank's challenge; `{orderId}` is replaced by the order's id.
   * Undefined: no return_url, and the client finishes the step with Stripe.js and the client secret.
   * The local stack always uses its own storefront (`http://localhost:<PORT>/?order={orderId}`).
   */
  readonly paymentReturnUrl?: string;
  readonly throttle: ThrottleSettings;
  /** CloudWatch Logs retention for function and access logs; one of the values CloudWatch accepts. */
  readonly logRetentionDays: number;
  /** How long a cart's soft hold lasts (HOLD_TTL_SECONDS). */
  readonly holdTtlSeconds: number;
  /**
   * How long after its first hold a cart line may still be renewed to (HOLD_MAX_LIFETIME_SECONDS):
   * renewals never push a hold past it, so nobody keeps stock out of a sale by renewing for ever.
   */
  readonly holdMaxLifetimeSeconds: number;
  /** The most units of one SKU one customer's cart may hold, 1..99 (MAX_UNITS_PER_CUSTOMER); e.g. 2 for a flash sale. */
  readonly maxUnitsPerCustomer: number;
  /** How long a fulfilled order waits for delivery confirmation before it completes (COMPLETE_AFTER_SECONDS). */
  readonly completeAfterSeconds: number;
  /**
   * The fulfillment SLA: how long a paid order may wait to be shipped before the workflow gives it
   * to the merchant (attention, the failed-executions alarm; ship or refund it directly) (FULFILLMENT_SLA_SECONDS).
   */
  readonly fulfillmentSlaSeconds: number;
  /** Origins allowed to call the API from a browser; empty disables CORS. */
  readonly corsAllowOrigins: readonly string[];
  /**
   * Memory for every function at once, overriding each function's own size (lib/function-memory.ts);
   * undefined: each function gets its own.
   */
  readonly lambdaMemoryMb?: number;
  /**
   * Indexes that still copy whole items (projection ALL), for a stage deployed before each index
   * copied only what its Queries read (lib/table-schema.ts). DynamoDB cannot change a projection
   * in place and CloudFormation recreates at most one index per update, so such a stage lists all
   * three, then deploys once per index with one fewer in the list. Every reader works with either.
   */
  readonly indexesCopyingWholeItems?: readonly IndexName[];
  /** Interval overrides for scheduled jobs, keyed by the job's `intervalSetting` (e.g. SWEEP_INTERVAL_SECONDS). */
  readonly scheduleIntervals: Readonly<Record<string, number>>;
  /**
   * Pins the stack to an account/region, so a deploy with the wrong credentials fails instead of
   * creating the stage elsewhere; production stages must set both. Undefined keeps the stack
   * environment-agnostic. Synth needs no credentials either way.
   */
  readonly account?: string;
  readonly region?: string;
  /** Who the stage's alarm topic e-mails; undefined creates the topic with no subscription. */
  readonly alarmEmail?: string;
  readonly deployment: DeploymentStrategy;
  /** Undefined reserves nothing (accounts with a low concurrency quota refuse reservations). */
  readonly reservedConcurrency?: ReservedConcurrencySettings;
  /**
   * Merchant webhook URLs (WEBHOOK_URL_POLICY): `public-https` takes https URLs whose host
   * resolves to public addresses only (no private, loopback or link-local: SSRF), checked at
   * registration and on every connection; `allow-private` also takes http and such addresses.
   * Production stages must keep `public-https`; the local stack runs `allow-private`.
   */
  readonly webhookUrlPolicy: 'public-https' | 'allow-private';
}

/** A tenant definition or override: any field but the name. */
export type TenantOverrides = Partial<Omit<TenantSettings, 'tenant' | 'throttle' | 'reservedConcurrency'>> & {
  readonly throttle?: Partial<ThrottleSettings>;
  readonly reservedConcurrency?: Partial<ReservedConcurrencySettings>;
};

const DAY = 24 * 3600;
/** A cart line's own limit (functions/domain/cart.ts MAX_LINE_QUANTITY); lib/ does not import functions/. */
const MAX_LINE_UNITS = 99;

/** What an unknown tenant name gets: a small, disposable, non-production stage. */
function baseSettings(tenant: string): TenantSettings {
  return {
    tenant,
    production: false,
    stripeSecretName: `crowdstart/${tenant}/stripe`,
    stripeWebhookSecretName: `crowdstart/${tenant}/stripe-webhook`,
    throttle: { rateLimit: 20, burstLimit: 40 },
    logRetentionDays: 7,
    holdTtlSeconds: 900,
    holdMaxLifetimeSeconds: 3600,
    maxUnitsPerCustomer: 99,
    completeAfterSeconds: 14 * DAY,
    fulfillmentSlaSeconds: 7 * DAY,
    corsAllowOrigins: [],
    scheduleIntervals: {},
    deployment: 'all-at-once',
    webhookUrlPolicy: 'public-https',
  };
}

/**
 * The known tenants, as differences from the base settings. The account ids here are the example
 * tenants' own; a real tenant's go in its entry (or cdk.json's `tenants` override).
 */
export const TENANTS: Readonly<Record<string, TenantOverrides>> = {
  dev: {
    throttle: { rateLimit: 50, burstLimit: 100 },
    // A short wait lets a developer watch an order complete by itself.
    completeAfterSeconds: 3600,
    corsAllowOrigins: ['*'],
  },
  // Production-like, with disposable data: the pipeline deploys it before the production tenants.
  staging: {
    deployment: 'canary',
    reservedConcurrency: { payment: 5, consumer: 2 },
    alarmEmail: 'ops+staging@crowdstart.example',
  },
  acme: {
    production: true,
    account: '111111111111',
    region: 'eu-west-1',
    alarmEmail: 'ops@acme.example',
    deployment: 'canary',
    reservedConcurrency: { payment: 10, consumer: 5 },
    throttle: { rateLimit: 200, burstLimit: 400 },
    logRetentionDays: 90,
    corsAllowOrigins: ['https://shop.acme.example'],
    paymentReturnUrl: 'https://shop.acme.example/orders/{orderId}',
  },
  globex: {
    production: true,
    account: '222222222222',
    region: 'us-east-1',
    alarmEmail: 'platform-alerts@globex.example',
    deployment: 'canary',
    reservedConcurrency: { payment: 10, consumer: 5 },
    jwt: { issuer: 'https://auth.globex.example/', audience: ['crowdstart-api'] },
    stripeSecretName: 'globex/payments/stripe',
    stripeWebhookSecretName: 'globex/payments/stripe-webhook',
    throttle: { rateLimit: 100, burstLimit: 200 },
    logRetentionDays: 365,
    holdTtlSeconds: 600,
    completeAfterSeconds: 21 * DAY,
    corsAllowOrigins: ['https://store.globex.example'],
    paymentReturnUrl: 'https://store.globex.example/account/orders/{orderId}',
  },
};

/** The tenant used when `-c tenant=` is not given. */
export const DEFAULT_TENANT = 'dev';

/**
 * Resolves a tenant's settings: base ← code definition ← context override, then validates.
 * @param overrides the `tenants` context object (cdk.json or `-c`), keyed by tenant name
 */
export function resolveSettings(tenant: string, overrides: Readonly<Record<string, TenantOverrides>> = {}): TenantSettings {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,40}$/.test(tenant)) {
    // The name becomes part of the stack name, which CloudFormation restricts to this alphabet.
    throw new Error(`Tenant name '${tenant}' must start with a letter and contain only letters, digits and '-' (max 41)`);
  }
  const settings = [TENANTS[tenant], overrides[tenant]].reduce<TenantSettings>(merge, baseSettings(tenant));
  validate(settings);
  return settings;
}

function merge(base: TenantSettings, over: TenantOverrides | undefined): TenantSettings {
  if (!over) return base;
  return {
    ...base,
    ...over,
    throttle: { ...base.throttle, ...over.throttle },
    scheduleIntervals: { ...base.scheduleIntervals, ...over.scheduleIntervals },
    reservedConcurrency:
      base.reservedConcurrency || over.reservedConcurrency
        ? ({ ...base.reservedConcurrency, ...over.reservedConcurrency } as ReservedConcurrencySettings)
        : undefined,
  };
}

/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function validate(s: TenantSettings): void {
  const problems: string[] = [];
  const positiveInt = (name: string, value: number) => {
    if (!Number.isInteger(value) || value <= 0) problems.push(`${name} must be a positive integer, got ${value}`);
  };
  positiveInt('throttle.rateLimit', s.throttle.rateLimit);
  positiveInt('throttle.burstLimit', s.throttle.burstLimit);
  positiveInt('holdTtlSeconds', s.holdTtlSeconds);
  positiveInt('holdMaxLifetimeSeconds', s.holdMaxLifetimeSeconds);
  if (s.holdMaxLifetimeSeconds < s.holdTtlSeconds) problems.push('holdMaxLifetimeSeconds must be at least holdTtlSeconds');
  positiveInt('maxUnitsPerCustomer', s.maxUnitsPerCustomer);
  if (s.maxUnitsPerCustomer > MAX_LINE_UNITS) problems.push(`maxUnitsPerCustomer must be at most ${MAX_LINE_UNITS} (a cart line's limit)`);
  positiveInt('completeAfterSeconds', s.completeAfterSeconds);
  positiveInt('fulfillmentSlaSeconds', s.fulfillmentSlaSeconds);
  if (s.lambdaMemoryMb !== undefined) positiveInt('lambdaMemoryMb', s.lambdaMemoryMb);
  const indexNames: readonly string[] = GLOBAL_INDEXES.map((index) => index.indexName);
  for (const name of s.indexesCopyingWholeItems ?? []) if (!indexNames.includes(name)) problems.push(`indexesCopyingWholeItems: no index named ${name}`);
  for (const [name, seconds] of Object.entries(s.scheduleIntervals)) positiveInt(`scheduleIntervals.${name}`, seconds);
  if (!LOG_RETENTION_DAYS.includes(s.logRetentionDays)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${s.logRetentionDays}`);
  }
  if (!s.stripeSecretName) problems.push('stripeSecretName must not be empty');
  if (!s.stripeWebhookSecretName) problems.push('stripeWebhookSecretName must not be empty');
  if (s.stripePublishableKey !== undefined && !/^pk_(test|live)_[A-Za-z0-9_]+$/.test(s.stripePublishableKey)) {
    problems.push(`stripePublishableKey must be a pk_test_… or pk_live_… key, got ${s.stripePublishableKey}`);
  }
  if (s.paymentReturnUrl !== undefined && !isReturnUrl(s.paymentReturnUrl)) {
    problems.push(`paymentReturnUrl must be an https URL (http only for localhost), got ${s.paymentReturnUrl}`);
  }
  if (s.jwt && (!/^https:\/\//.test(s.jwt.issuer) || s.jwt.audience.length === 0)) {
    problems.push('jwt needs an https issuer and at least one audience');
  }
  if (s.reservedConcurrency) {
    positiveInt('reservedConcurrency.payment', s.reservedConcurrency.payment);
    // An SQS event source's maximum concurrency, which follows it, must be at least 2.
    if (!(s.reservedConcurrency.consumer >= 2)) problems.push(`reservedConcurrency.consumer must be at least 2, got ${s.reservedConcurrency.consumer}`);
    positiveInt('reservedConcurrency.consumer', s.reservedConcurrency.consumer);
  }
  if (!['canary', 'all-at-once'].includes(s.deployment)) problems.push(`deployment must be 'canary' or 'all-at-once', got ${s.deployment}`);
  if (!['public-https', 'allow-private'].includes(s.webhookUrlPolicy)) problems.push(`webhookUrlPolicy must be 'public-https' or 'allow-private', got ${s.webhookUrlPolicy}`);
  if (s.production && s.webhookUrlPolicy !== 'public-https') problems.push("a production stage's webhookUrlPolicy must be 'public-https'");
  if (s.production && !(s.account && s.region)) problems.push('a production stage must be pinned to its account and region');
  if (s.account !== undefined && !/^\d{12}$/.test(s.account)) problems.push(`account must be 12 digits, got ${s.account}`);
  if (s.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.alarmEmail)) problems.push(`alarmEmail is not an e-mail address: ${s.alarmEmail}`);
  if (problems.length) throw new Error(`Invalid settings for tenant '${s.tenant}':\n  ${problems.join('\n  ')}`);
}

/** Stripe needs an absolute URL; the customer's browser carries their client secret to it, so https (http only on this machine). */
function isReturnUrl(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url.replaceAll('{orderId}', 'ord_x'));
    return protocol === 'https:' || (protocol === 'http:' && ['localhost', '127.0.0.1'].includes(hostname));
  } catch {
    return false;
  }
}
