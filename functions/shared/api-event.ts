/**
 * The API Gateway event and what a route answers, with the caller read from it: what both the
 * middy stack (http.ts) and its middlewares (idempotency.ts) need, kept apart so neither imports
 * the other's module.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** What a route handler returns; the stack turns it into the API Gateway result. */
export interface ApiResponse {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface Caller {
  readonly sub: string;
  readonly isAdmin: boolean;
}

/** The caller from the JWT authorizer's claims, or undefined on a public route without a token. */
export function callerOf(event: ApiEvent): Caller | undefined {
  const sub = subjectOf(event);
  return sub === undefined ? undefined : { sub, isAdmin: hasAdminRole(verifiedTokenClaims(event, sub)) };
}

/** The verified token's `sub` as the authorizer passed it on, without reading the roles. */
export function subjectOf(event: ApiEvent): string | undefined {
  const sub = event.requestContext?.authorizer?.jwt?.claims?.sub;
  return typeof sub === 'string' && sub !== '' ? sub : undefined;
}

/** Only an entry that is exactly `admin` counts: no splitting, no case folding, no trimming. */
function hasAdminRole(claims: Record<string, unknown> | undefined): boolean {
  if (!claims) return false;
  return [claims.roles, claims['cognito:groups']].some((claim) => claim === ADMIN_ROLE || (Array.isArray(claim) && claim.includes(ADMIN_ROLE)));
}

const ADMIN_ROLE = 'admin';
const BEARER_JWT = /^(?:Bearer\s+)?[\w-]+\.([\w-]+)\.[\w-]+$/i;

/**
 * The claims as the verified token carries them. API Gateway hands array claims to Lambda
 * flattened into "[a b]", which cannot be split back exactly (the role "store admin" and the
 * roles "store" and "admin" flatten alike), so roles come from the token itself: the one in the
 * Authorization header, which is the authorizer's identity source and was verified before this
 * function ran; it must carry the `sub` the authorizer passed on. Decoding it by hand (base64url
 * JSON) keeps jose out of every function bundle, and nothing here trusts it beyond that match.
 */
function verifiedTokenClaims(event: ApiEvent, sub: string): Record<string, unknown> | undefined {
  const payload = BEARER_JWT.exec(event.headers?.authorization?.trim() ?? '')?.[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown> | null;
    return claims?.sub === sub ? claims : undefined;
  } catch {
    return undefined;
  }
}
