import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The audience every local token carries; the CDK stack's Cognito client plays this role on AWS. */
export const LOCAL_AUDIENCE = 'crowdstart';

export interface LocalIdentity {
  readonly issuer: string;
  readonly jwks: { keys: JWK[] };
  sign(claims: { sub: string; admin?: boolean; ttlSeconds?: number }): Promise<string>;
  /** Verifies signature, issuer, audience and expiry, as API Gateway's JWT authorizer does. */
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
  return {
    issuer,
    jwks,
    sign: ({ sub, admin = false, ttlSeconds = 12 * 3600 }) =>
      new SignJWT({ roles: admin ? ['admin'] : [] })
        .setProtectedHeader({ alg: 'RS256', kid: privateJwk.kid })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey),
    verify: async (token) => (await jwtVerify(token, keySet, { issuer, audience: LOCAL_AUDIENCE })).payload,
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
