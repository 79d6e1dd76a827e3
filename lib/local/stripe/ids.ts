import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 text; the modulo bias is irrelevant for ids that only need to be unique. */
export function randomToken(length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

/** An id in Stripe's form: `pi_…`, `cus_…`, `evt_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken()}`;
}

/** Stripe's client secrets are `<object id>_secret_<random>`. */
export function clientSecret(objectId: string): string {
  return `${objectId}_secret_${randomToken()}`;
}
