import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ThrottleSettings } from '../settings';
import { sendError } from './gateway';

/** How many clients' buckets are kept; beyond it the least recently seen is dropped. */
const MAX_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * The stage's throttling, locally: a token bucket per client with the tenant's rate and burst.
 * A client is the verified token's subject, else the source address, so a forged token cannot
 * spend someone else's bucket nor buy a fresh one. A refused request gets 429 with
 * Retry-After, in the contract's error shape.
 */
export function throttle(settings: ThrottleSettings, maxClients = MAX_CLIENTS) {
  const buckets = tokenBuckets(settings, maxClients);
  return (req: IncomingMessage, res: ServerResponse, subject: string | undefined): boolean => {
    const client = subject === undefined ? `ip:${req.socket.remoteAddress ?? 'unknown'}` : `sub:${subject}`;
    const retryAfter = buckets.take(client, Date.now());
    if (retryAfter === 0) return true;
    sendError(res, 429, 'TOO_MANY_REQUESTS', 'Too many requests; slow down.', randomUUID(), {
      'retry-after': String(retryAfter),
    });
    return false;
  };
}

/**
 * Token buckets by client, at most `maxClients` of them. Hand-written because no LRU package is
 * a dependency of ours (node_modules has some only through other packages): a Map iterates in
 * insertion order, so re-inserting on each use keeps the least recently seen client first, and
 * that is the one dropped. A dropped bucket comes back full, which is what an idle client's
 * bucket would have refilled to anyway.
 */
export function tokenBuckets(settings: ThrottleSettings, maxClients: number) {
  const buckets = new Map<string, Bucket>();
  return {
    /** Spends one token of `client`'s bucket: 0 when admitted, else the seconds until one is back. */
    take(client: string, now: number): number {
      const bucket = buckets.get(client) ?? { tokens: settings.burstLimit, refilledAt: now };
      const elapsedSeconds = (now - bucket.refilledAt) / 1000;
      bucket.tokens = Math.min(settings.burstLimit, bucket.tokens + elapsedSeconds * settings.rateLimit);
      bucket.refilledAt = now;
      buckets.delete(client);
      buckets.set(client, bucket);
      if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value!);
      if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / settings.rateLimit));
      bucket.tokens -= 1;
      return 0;
    },
    get size() {
      return buckets.size;
    },
  };
}
