import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ThrottleSettings } from '../settings';
import { sendError } from './gateway';

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * The stage's throttling, locally: a token bucket per client (the token's subject, else the
 * source address) with the tenant's rate and burst. A refused request gets 429 with
 * Retry-After, in the contract's error shape.
 */
export function throttle(settings: ThrottleSettings) {
  const buckets = new Map<string, Bucket>();
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const bucket = refill(buckets, clientOf(req), settings, Date.now());
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return true;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / settings.rateLimit));
    sendError(res, 429, 'TOO_MANY_REQUESTS', 'Too many requests; slow down.', randomUUID(), {
      'retry-after': String(retryAfter),
    });
    return false;
  };
}

function refill(buckets: Map<string, Bucket>, client: string, settings: ThrottleSettings, now: number): Bucket {
  const bucket = buckets.get(client) ?? { tokens: settings.burstLimit, refilledAt: now };
  const elapsedSeconds = (now - bucket.refilledAt) / 1000;
  bucket.tokens = Math.min(settings.burstLimit, bucket.tokens + elapsedSeconds * settings.rateLimit);
  bucket.refilledAt = now;
  buckets.set(client, bucket);
  return bucket;
}

/** Keys the bucket by the bearer token's subject (unverified: only used to pick a bucket). */
function clientOf(req: IncomingMessage): string {
  const token = /^Bearer ([^.]+)\.([^.]+)\./i.exec(req.headers.authorization ?? '');
  if (token) {
    try {
      const payload = JSON.parse(Buffer.from(token[2]!, 'base64url').toString('utf8')) as { sub?: unknown };
      if (typeof payload.sub === 'string') return `sub:${payload.sub}`;
    } catch {
      // Not a JWT: fall back to the address; the authorizer will refuse it anyway.
    }
  }
  return `ip:${req.socket.remoteAddress ?? 'unknown'}`;
}
