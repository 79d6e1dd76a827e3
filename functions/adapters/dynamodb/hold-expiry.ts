/**
 * Releasing lapsed holds: the scheduled sweep's, an add's inline release when the stock is short,
 * and one lapsed line an add finds; each release counted once as holdsExpired (the TTL path
 * counts its own: queue/release-expired-holds.ts). Apart from cart-repository.ts so that the
 * cart's other routes bundle no Powertools Metrics (`npm run bench:cold`).
 */
import type { Hold } from '../../domain/cart';
import { countBusinessEvent } from '../../shared/business-events';
import { queryAll, releaseHold, type QueryPages } from './cart-repository';
import { cartKeys, HOLD_EXPIRY_SHARDS, type IndexPartition } from './keys';
import { stockLayoutOf } from './stock-repository';
import { queryIndex } from './table';

/** Expired holds of one SKU released inline when an add finds the stock short. */
const INLINE_RELEASE_LIMIT = 10;
/** Upper bound per shard and sweep, so one run stays well inside the function timeout. */
const SWEEP_LIMIT_PER_SHARD = 2_000;

/** Releases a hold lapsed by `now` (false when someone else released or changed it first), and counts it. */
export async function releaseExpiredHold(hold: Hold, now: Date): Promise<boolean> {
  const released = await releaseHold(hold, { expiredBy: now });
  if (released) countBusinessEvent('holdsExpired');
  return released;
}

/** The scheduled sweep: every expired hold in every expiry shard, each released at most once. */
export async function sweepExpiredHolds(now = new Date()): Promise<{ found: number; released: number }> {
  const shards = Array.from({ length: HOLD_EXPIRY_SHARDS }, (_, shard) => shard);
  const counts = await Promise.all(
    shards.map(async (shard) => {
      const expired = await queryAll(expiredIn(cartKeys.holdsExpiringInShard(shard), now), SWEEP_LIMIT_PER_SHARD);
      let released = 0;
      for (const hold of expired) if (await releaseExpiredHold(hold, now)) released++;
      return { found: expired.length, released };
    }),
  );
  return counts.reduce((a, b) => ({ found: a.found + b.found, released: a.released + b.released }), { found: 0, released: 0 });
}

/**
 * Releases up to INLINE_RELEASE_LIMIT expired holds of one SKU; returns how many it released.
 * A sharded SKU (a flash sale) releases none inline: there a refusal must stay one failed write
 * and one read, not a Query per shard on every sold-out request; the sweeper returns its lapsed
 * holds within one interval (docs/hot-items.md).
 */
export async function releaseExpiredHoldsOfSku(sku: string, now = new Date()): Promise<number> {
  if ((await stockLayoutOf(sku)).slots > 1) return 0;
  const expired = await queryAll(expiredIn(cartKeys.holdsOfSku(sku), now), INLINE_RELEASE_LIMIT);
  let released = 0; // one at a time: concurrent transactions on one stock item would only conflict
  for (const hold of expired) if (await releaseExpiredHold(hold, now)) released++;
  return released;
}

/** Pages of holds in an expiry-ordered index partition whose expiry is before `now` (sort keys start with it). */
function expiredIn(pattern: IndexPartition, now: Date): QueryPages {
  return (ExclusiveStartKey) => queryIndex({ ...pattern, sortKey: { before: now.toISOString() } }, { ExclusiveStartKey });
}
