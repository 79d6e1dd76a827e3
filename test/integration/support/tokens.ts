/**
 * Tokens a careful authorizer must judge: signed by the stack's own key with odd claims, and the
 * classic forgeries (tampered signature, alg none, HS256 keyed with the public key, another key pair).
 */
import { exportSPKI, generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import { LOCAL_AUDIENCE, loadIdentity, localIssuer, type LocalIdentity } from '../../../lib/local/identity';

const identities = new Map<string, Promise<LocalIdentity>>();

/** The identity provider of the stack at `url` (the global stack by default). */
function stackIdentity(url: string, dataDir: string): Promise<LocalIdentity> {
  const key = `${url} ${dataDir}`;
  if (!identities.has(key)) identities.set(key, loadIdentity(dataDir, localIssuer(Number(new URL(url).port))));
  return identities.get(key)!;
}

const epoch = () => Math.floor(Date.now() / 1000);

/** The claims of an ordinary valid token for `sub`; a forgery starts from these. */
function validClaims(identity: LocalIdentity, sub: string): JWTPayload {
  return { sub, iss: identity.issuer, aud: LOCAL_AUDIENCE, iat: epoch(), exp: epoch() + 3600 };
}

/**
 * A token signed by the stack's key: a valid token's claims, overridden by `claims` (a claim
 * set to undefined is left out, e.g. `{ exp: undefined }`).
 */
export async function forgedToken(api: { url: string }, claims: JWTPayload & { sub: string }, dataDir = process.env.CROWDSTART_DATA_DIR!) {
  const identity = await stackIdentity(api.url, dataDir);
  const merged = Object.fromEntries(Object.entries({ ...validClaims(identity, claims.sub), ...claims }).filter(([, v]) => v !== undefined));
  return identity.signClaims(merged);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Every kind of token the authorizer must refuse, for subject `sub`, by name. */
export async function invalidTokens(api: { url: string }, sub: string, dataDir = process.env.CROWDSTART_DATA_DIR!) {
  const identity = await stackIdentity(api.url, dataDir);
  const claims = validClaims(identity, sub);
  const publicJwk = identity.jwks.keys[0]!;
  const valid = await identity.signClaims(claims);
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const other = await generateKeyPair('RS256');
  const publicPem = await exportSPKI((await importJWK(publicJwk, 'RS256')) as Parameters<typeof exportSPKI>[0]);
  const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
  return {
    expired: await forgedToken(api, { sub, iat: epoch() - 7200, exp: epoch() - 3600 }, dataDir),
    'not yet valid': await forgedToken(api, { sub, nbf: epoch() + 3600 }, dataDir),
    'no exp': await forgedToken(api, { sub, exp: undefined }, dataDir),
    'wrong issuer': await forgedToken(api, { sub, iss: 'https://issuer.example.com/' }, dataDir),
    'wrong audience': await forgedToken(api, { sub, aud: 'someone-else' }, dataDir),
    'tampered payload': `${header}.${base64url({ ...claims, sub: `${sub}-x`, roles: ['admin'] })}.${signature}`,
    'tampered signature': `${header}.${payload}.${flipped}`,
    'alg none': `${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    'HS256 with the public key': await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid })
      .sign(new TextEncoder().encode(publicPem)),
    'another key pair': await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: publicJwk.kid }).sign(other.privateKey),
  };
}
