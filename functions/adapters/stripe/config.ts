import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PaymentProviderMisconfigured } from './errors';

/**
 * Where the Stripe keys come from, read once per process and never from code:
 *
 * | variable              | meaning                                                                  |
 * | --------------------- | ------------------------------------------------------------------------ |
 * | STRIPE_SECRET_KEY     | the secret key itself (local stack, CI, a developer's test account)     |
 * | STRIPE_SECRET_NAME    | on AWS: the Secrets Manager secret holding the keys (set with the grant) |
 * | STRIPE_WEBHOOK_SECRET | the `whsec_…` webhook signing secret (else the secret's `webhookSecret`) |
 * | STRIPE_API_URL        | another API base URL, e.g. the local Stripe server (`http://127.0.0.1:…`) |
 *
 * The secret named by STRIPE_SECRET_NAME is JSON `{ "secretKey": "sk_…", "webhookSecret": "whsec_…" }`
 * or just the secret key as plain text.
 */
export interface StripeSettings {
  readonly secretKey: string;
  readonly webhookSecret: string | undefined;
  readonly apiUrl: string | undefined;
}

let settings: Promise<StripeSettings> | undefined;

/** The settings, fetched on first use; a failed fetch is forgotten so the next call tries again. */
export function stripeSettings(): Promise<StripeSettings> {
  settings ??= loadSettings().catch((error: unknown) => {
    settings = undefined;
    throw error;
  });
  return settings;
}

async function loadSettings(): Promise<StripeSettings> {
  const apiUrl = process.env.STRIPE_API_URL || undefined;
  const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET || undefined;
  const secretKey = process.env.STRIPE_SECRET_KEY;
  if (secretKey) return { secretKey, webhookSecret, apiUrl };
  const secretName = process.env.STRIPE_SECRET_NAME;
  if (!secretName) throw new PaymentProviderMisconfigured('Neither STRIPE_SECRET_KEY nor STRIPE_SECRET_NAME is set');
  const stored = await readSecret(secretName);
  return { secretKey: stored.secretKey, webhookSecret: webhookSecret ?? stored.webhookSecret, apiUrl };
}

async function readSecret(name: string): Promise<{ secretKey: string; webhookSecret: string | undefined }> {
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: name }));
    if (!SecretString) throw new PaymentProviderMisconfigured(`Secret ${name} has no string value`);
    return parseSecret(name, SecretString);
  } finally {
    client.destroy();
  }
}

/** JSON with `secretKey` (and optionally `webhookSecret`), or the bare key. */
export function parseSecret(name: string, text: string): { secretKey: string; webhookSecret: string | undefined } {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return { secretKey: trimmed, webhookSecret: undefined };
  let parsed: { secretKey?: unknown; webhookSecret?: unknown };
  try {
    parsed = JSON.parse(trimmed) as typeof parsed;
  } catch (cause) {
    throw new PaymentProviderMisconfigured(`Secret ${name} is neither JSON nor a bare key`, cause);
  }
  if (typeof parsed.secretKey !== 'string' || !parsed.secretKey) {
    throw new PaymentProviderMisconfigured(`Secret ${name} has no "secretKey"`);
  }
  return {
    secretKey: parsed.secretKey,
    webhookSecret: typeof parsed.webhookSecret === 'string' ? parsed.webhookSecret : undefined,
  };
}
