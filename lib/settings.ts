/**
 * Per-tenant settings: the one typed place that says how a tenant's stack differs from another.
 * Tenants are defined in code below; cdk.json (or `-c tenants='{…}'`) may override any field of
 * a tenant under the `tenants` context key, e.g. `{ "tenants": { "acme": { "throttle": { "rateLimit": 500 } } } }`.
 * Everything is plain data so overrides can come from JSON and are validated here, once.
 */

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
  readonly throttle: ThrottleSettings;
  /** CloudWatch Logs retention for function and access logs; one of the values CloudWatch accepts. */
  readonly logRetentionDays: number;
  /** How long a cart's soft hold lasts (HOLD_TTL_SECONDS). */
  readonly holdTtlSeconds: number;
  /** How long a fulfilled order waits for delivery confirmation before it completes (COMPLETE_AFTER_SECONDS). */
  readonly completeAfterSeconds: number;
  /**
   * The fulfillment SLA: how long a paid order may wait to be shipped before the workflow gives it
   * to the merchant (attention, the failed-executions alarm; ship or refund it directly) (FULFILLMENT_SLA_SECONDS).
   */
  readonly fulfillmentSlaSeconds: number;
  /** Origins allowed to call the API from a browser; empty disables CORS. */
  readonly corsAllowOrigins: readonly string[];
  /** Memory for every function; more memory also buys CPU, which shortens cold starts. */
  readonly lambdaMemoryMb: number;
  /** Interval overrides for scheduled jobs, keyed by the job's `intervalSetting` (e.g. SWEEP_INTERVAL_SECONDS). */
  readonly scheduleIntervals: Readonly<Record<string, number>>;
  /** Pins the stack to an account/region; undefined keeps it environment-agnostic (synth needs no credentials). */
  readonly account?: string;
  readonly region?: string;
}

/** A tenant definition or override: any field but the name. */
export type TenantOverrides = Partial<Omit<TenantSettings, 'tenant' | 'throttle'>> & {
  readonly throttle?: Partial<ThrottleSettings>;
};

const DAY = 24 * 3600;

/** What an unknown tenant name gets: a small, disposable, non-production stage. */
function baseSettings(tenant: string): TenantSettings {
  return {
    tenant,
    production: false,
    stripeSecretName: `crowdstart/${tenant}/stripe`,
    throttle: { rateLimit: 20, burstLimit: 40 },
    logRetentionDays: 7,
    holdTtlSeconds: 900,
    completeAfterSeconds: 14 * DAY,
    fulfillmentSlaSeconds: 7 * DAY,
    corsAllowOrigins: [],
    lambdaMemoryMb: 1024,
    scheduleIntervals: {},
  };
}

/** The known tenants, as differences from the base settings. */
export const TENANTS: Readonly<Record<string, TenantOverrides>> = {
  dev: {
    throttle: { rateLimit: 50, burstLimit: 100 },
    // A short wait lets a developer watch an order complete by itself.
    completeAfterSeconds: 3600,
    corsAllowOrigins: ['*'],
  },
  acme: {
    production: true,
    throttle: { rateLimit: 200, burstLimit: 400 },
    logRetentionDays: 90,
    corsAllowOrigins: ['https://shop.acme.example'],
  },
  globex: {
    production: true,
    jwt: { issuer: 'https://auth.globex.example/', audience: ['crowdstart-api'] },
    stripeSecretName: 'globex/payments/stripe',
    throttle: { rateLimit: 100, burstLimit: 200 },
    logRetentionDays: 365,
    holdTtlSeconds: 600,
    completeAfterSeconds: 21 * DAY,
    corsAllowOrigins: ['https://store.globex.example'],
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
  positiveInt('completeAfterSeconds', s.completeAfterSeconds);
  positiveInt('fulfillmentSlaSeconds', s.fulfillmentSlaSeconds);
  positiveInt('lambdaMemoryMb', s.lambdaMemoryMb);
  for (const [name, seconds] of Object.entries(s.scheduleIntervals)) positiveInt(`scheduleIntervals.${name}`, seconds);
  if (!LOG_RETENTION_DAYS.includes(s.logRetentionDays)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${s.logRetentionDays}`);
  }
  if (!s.stripeSecretName) problems.push('stripeSecretName must not be empty');
  if (s.jwt && (!/^https:\/\//.test(s.jwt.issuer) || s.jwt.audience.length === 0)) {
    problems.push('jwt needs an https issuer and at least one audience');
  }
  if (problems.length) throw new Error(`Invalid settings for tenant '${s.tenant}':\n  ${problems.join('\n  ')}`);
}
