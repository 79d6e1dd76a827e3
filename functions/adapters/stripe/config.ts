import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV } from '../../../lib/env-names';
import { PaymentProviderMisconfigured } from './errors';

/**
 * Where the Stripe keys come from, read once per process and never from code:
 *
 * | variable                   | meaning                                                                   |
 * | -------------------------- | ------------------------------------------------------------------------- |
 * | STRIPE_SECRET_KEY          | the secret key itself (local stack, CI, a developer's test account)       |
 * | STRIPE_SECRET_NAME         | on AWS: the Secrets Manager secret holding the secret key (set with the grant) |
 * | STRIPE_WEBHOOK_SECRET      | the `whsec_…` webhook signing secret itself                               |
 * | STRIPE_WEBHOOK_SECRET_NAME | on AWS: the secret holding only the signing secret; the webhook function gets this one and not STRIPE_SECRET_NAME, so it cannot read the secret key |
 * | STRIPE_API_URL             | another API base URL, e.g. the local Stripe server (`http://127.0.0.1:…`)  |
 *
 * A secret is the bare value or JSON: `{ "secretKey": "sk_…" }`, `{ "webhookSecret": "whsec_…" }`.
 */
export interface StripeSettings {
  readonly secretKey: string;
  readonly apiUrl: string | undefined;
}

let settings: Promise<StripeSettings> | undefined;
let signingSecret: Promise<string> | undefined;

/** The settings, fetched on first use; a failed fetch is forgotten so the next call tries again. */
export function stripeSettings(): Promise<StripeSettings> {
  settings ??= loadSettings().catch((error: unknown) => {
    settings = undefined;
    throw error;
  });
  return settings;
}

/** The webhook signing secret, fetched on first use like the settings. */
export function webhookSigningSecret(): Promise<string> {
  signingSecret ??= fromEnvOrSecret(ENV.stripeWebhookSecret, ENV.stripeWebhookSecretName, 'webhookSecret').catch((error: unknown) => {
    signingSecret = undefined;
    throw error;
  });
  return signingSecret;
}

async function loadSettings(): Promise<StripeSettings> {
  const secretKey = await fromEnvOrSecret(ENV.stripeSecretKey, ENV.stripeSecretName, 'secretKey');
  return { secretKey, apiUrl: process.env[ENV.stripeApiUrl] || undefined };
}

async function fromEnvOrSecret(valueVar: string, nameVar: string, field: SecretField): Promise<string> {
  const value = process.env[valueVar];
  if (value) return value;
  const name = process.env[nameVar];
  if (!name) throw new PaymentProviderMisconfigured(`Neither ${valueVar} nor ${nameVar} is set`);
  return parseSecret(name, await readSecret(name), field);
}

async function readSecret(name: string): Promise<string> {
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: name }));
    if (!SecretString) throw new PaymentProviderMisconfigured(`Secret ${name} has no string value`);
    return SecretString;
  } finally {
    client.destroy();
  }
}

export type SecretField = 'secretKey' | 'webhookSecret';

/** The bare value, or the `field` of a JSON secret. */
export function parseSecret(name: string, text: string, field: SecretField): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(trimmed) as Record<string, unknown>;
  } catch (cause) {
    throw new PaymentProviderMisconfigured(`Secret ${name} is neither JSON nor a bare value`, cause);
  }
  const value = parsed[field];
  if (typeof value !== 'string' || !value) throw new PaymentProviderMisconfigured(`Secret ${name} has no "${field}"`);
  return value;
}
