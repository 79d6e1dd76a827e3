import { createLocalJWKSet, errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The audience every local token carries; the CDK stack's Cognito client plays this role on AWS. */
export const LOCAL_AUDIENCE = 'crowdstart';

/** Clock skew allowed on exp, nbf and iat between the token's issuer and this authorizer. */
const CLOCK_TOLERANCE_SECONDS = 5;

export interface LocalIdentity {
  readonly issuer: string;
  readonly jwks: { keys: JWK[] };
  sign(claims: { sub: string; admin?: boolean; ttlSeconds?: number }): Promise<string>;
  /** Signs exactly these claims with the issuer's key (tests forge odd but signed tokens with it). */
  signClaims(claims: JWTPayload): Promise<string>;
  /**
   * Verifies as a careful JWT authorizer does: RS256 only, signature, issuer, audience, an `exp`
   * that is present and not past, `nbf` not in the future, and `iat` (when present) not in the future.
   */
  verify(token: string): Promise<JWTPayload>;
}

/** The local issuer's URL for the stack listening on `port` (JWKS under /.well-known/jwks.json). */
export const localIssuer = (port: number) => `http://localhost:${port}/auth`;

/**
 * The local identity provider: an RS256 key pair kept under DATA_DIR, so tokens printed by
 * `npm run token` stay valid across restarts of the stack that uses the same DATA_DIR and PORT.
 */
export async function loadIdentity(dataDir: string, issuer: string): Promise<LocalIdentity> {
  const privateJwk = await loadOrCreateKey(join(dataDir, 'identity', 'signing-key.json'));
  const privateKey = await importJWK(privateJwk, 'RS256');
  const { d, p, q, dp, dq, qi, ...publicJwk } = privateJwk;
  const jwks = { keys: [publicJwk] };
  const keySet = createLocalJWKSet(jwks);
  const signClaims = (claims: JWTPayload) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: privateJwk.kid }).sign(privateKey);
  return {
    issuer,
    jwks,
    sign: ({ sub, admin = false, ttlSeconds = 12 * 3600 }) => {
      const now = Math.floor(Date.now() / 1000);
      return signClaims({ roles: admin ? ['admin'] : [], sub, iss: issuer, aud: LOCAL_AUDIENCE, iat: now, exp: now + ttlSeconds });
    },
    signClaims,
    verify: async (token) => {
      const { payload } = await jwtVerify(token, keySet, {
        issuer,
        audience: LOCAL_AUDIENCE,
        algorithms: ['RS256'],
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      // jose checks iat only against a maximum age; a token "issued" later than now is forged or from a broken clock.
      if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) {
        throw new errors.JWTClaimValidationFailed('"iat" claim is in the future', payload, 'iat', 'check_failed');
      }
      return payload;
    },
  };
}

async function loadOrCreateKey(file: string): Promise<JWK> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as JWK;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: `local-${Date.now()}` };
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  return jwk;
}

/**
 * Local only: `POST /auth/demo-token` `{ "customer": "alice" }` answers `{ token, expiresIn }`, a
 * customer token (never an admin one) for the local storefront's "sign in as a demo customer",
 * as `npm run token` prints. The local issuer is a stand-in for the tenant's identity provider
 * (Cognito's hosted sign-in on AWS), so no deployed stack has this endpoint.
 */
export const DEMO_TOKEN_PATH = '/auth/demo-token';
const DEMO_TOKEN_SECONDS = 12 * 3600;
const DEMO_CUSTOMER = /^[A-Za-z0-9_-]{1,64}$/;

/** The token for a demo sign-in's body, or why the body is refused. */
export async function demoToken(identity: LocalIdentity, body: string): Promise<{ token: string; expiresIn: number } | { refused: string }> {
  let customer: unknown;
  try {
    customer = (JSON.parse(body || '{}') as { customer?: unknown }).customer;
  } catch {
    return { refused: 'The body is not JSON.' };
  }
  if (typeof customer !== 'string' || !DEMO_CUSTOMER.test(customer)) {
    return { refused: 'customer must be 1 to 64 letters, digits, "-" or "_".' };
  }
  return { token: await identity.sign({ sub: customer, ttlSeconds: DEMO_TOKEN_SECONDS }), expiresIn: DEMO_TOKEN_SECONDS };
}

