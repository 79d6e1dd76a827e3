/**
 * Cart lines and their soft holds (cartKeys). Every change to a line moves stock in the SAME
 * TransactWriteItems: the line is written on the condition that it is still the revision we
 * read (`rev`), the stock record on the condition that the units are there. So a hold and the
 * stock's `held` never disagree, and a release happens at most once: whoever deletes the line
 * (customer, sweeper, inline release, checkout) must match its current `rev`, and the TTL path
 * claims a per-hold marker (applyStockMoveOnce) because the line is already gone.
 */
import type { QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  cartView,
  checkQuantityLimit,
  holdDelta,
  holdExpiry,
  isLive,
  lineName,
  lineStanding,
  ProductUnavailable,
  quantityAfterAdd,
  requireLiveLine,
  type CartView,
  type Hold,
  type HoldPolicy,
  type SkuInfo,
} from '../../domain/cart';
import type { Money } from '../../domain/catalog';
import { InsufficientStock, NotFound, TooManyRequests } from '../../domain/errors';
import { stockMoves } from '../../domain/stock';
import { env } from '../../shared/env';
import { cartKeys, HOLD_EXPIRY_SHARDS, type IndexPartition } from './keys';
import { applyStockMoveOnce, getSkuInfo, getSkuInfos, stockLayoutOf, STOCK_SHORT, stockMoveUpdate, takeFromShard } from './stock-repository';
import {
  cancellationCodes,
  entityTag,
  getItem,
  isConditionFailure,
  isEntity,
  query,
  queryIndex,
  streamImageItem,
  transactWrite,
  updateItem,
  type TransactItem,
} from './table';

/** Optimistic retries when a line changed between our read and our conditional write. */
const MAX_ATTEMPTS = 8;
/** Expired holds of one SKU released inline when an add finds the stock short. */
const INLINE_RELEASE_LIMIT = 10;
/** Upper bound per shard and sweep, so one run stays well inside the function timeout. */
const SWEEP_LIMIT_PER_SHARD = 2_000;

type LineInfo = Pick<Hold, 'sku' | 'productId' | 'name' | 'unitPrice'>;

/** The line of `sku` in the customer's cart, live or expired, read consistently. */
export async function getHold(customerId: string, sku: string): Promise<Hold | undefined> {
  const { Item } = await getItem({ Key: cartKeys.item(customerId, sku), ConsistentRead: true });
  return Item ? toHold(Item) : undefined;
}

/** Every line of the customer's cart (expired ones included; the domain filters them). */
export async function listHolds(customerId: string): Promise<Hold[]> {
  const line = { partition: cartKeys.partition(customerId), sortKey: { beginsWith: cartKeys.ITEM_PREFIX } };
  return queryAll((ExclusiveStartKey) => query(line, { ConsistentRead: true, ExclusiveStartKey }));
}

/** The caller's cart as the routes answer it: live lines at the catalog's current prices. */
export async function readCart(customerId: string, now = new Date()): Promise<CartView> {
  const holds = await listHolds(customerId);
  const catalog = await getSkuInfos(holds.filter((hold) => isLive(hold, now)).map((hold) => hold.sku));
  return cartView(customerId, holds, catalog, now);
}

/**
 * POST /cart/items: adds `quantity` to the line (creating it) and holds the extra units, within
 * the tenant's per-customer cap. `created` tells a new line from a grown one; a grown line keeps
 * the price recorded on it. A lapsed line is released first, so its units go back to available
 * before anyone (this customer too) holds them again: re-adding never extends a hold's lifetime.
 * When stock is short, expired holds of the SKU are released inline once and the add retried.
 */
export async function addToCart(customerId: string, sku: string, quantity: number, now = new Date()) {
  const info = await getSkuInfo(sku);
  if (!info) throw new NotFound('SKU', sku);
  const policy = holdPolicy();
  let releasedInline = false;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existing = await getHold(customerId, sku);
    if (existing && !isLive(existing, now)) {
      await releaseHold(existing, { expiredBy: now });
      continue;
    }
    if (existing) requireBuyable(existing, info);
    const target = quantityAfterAdd(sku, existing, quantity);
    checkQuantityLimit(sku, existing?.quantity ?? 0, target, policy.maxUnitsPerCustomer);
    try {
      const hold = await writeHold(customerId, existing ?? lineOf(info), existing, target, now, policy);
      if (hold) return { hold, created: !existing };
    } catch (error) {
      if (!(error instanceof InsufficientStock) || releasedInline) throw error;
      releasedInline = true;
      if ((await releaseExpiredHoldsOfSku(sku, now)) === 0) throw error;
    }
  }
  throw new TooManyRequests(1);
}

/**
 * PATCH /cart/items/{sku}: sets the line's quantity (0 removes it) within the per-customer cap,
 * and renews its hold up to the maximum lifetime. A line whose product left the catalog can only
 * be removed (409 PRODUCT_UNAVAILABLE).
 */
export async function changeCartItem(customerId: string, sku: string, quantity: number, now = new Date()) {
  const policy = holdPolicy();
  const info = quantity > 0 ? await getSkuInfo(sku) : undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existing = requireLiveLine(await getHold(customerId, sku), sku, now);
    if (quantity === 0) {
      if (await releaseHold(existing)) return undefined;
      continue;
    }
    requireBuyable(existing, info);
    checkQuantityLimit(sku, existing.quantity, quantity, policy.maxUnitsPerCustomer);
    const hold = await writeHold(customerId, existing, existing, quantity, now, policy);
    if (hold) return hold;
  }
  throw new TooManyRequests(1);
}

/**
 * For a checkout's 409 PRICE_CHANGED: records the price the customer is now told on the line, if
 * the line is still at the revision read (otherwise the customer changed it; the next checkout
 * reviews it again). Quantity, stock and hold expiry stay as they are.
 */
export async function recordLinePrice(hold: Hold, unitPrice: Money): Promise<void> {
  try {
    await updateItem({
      Key: cartKeys.item(hold.customerId, hold.sku),
      UpdateExpression: 'SET unitPrice = :price, updatedAt = :now, #rev = #rev + :one',
      ConditionExpression: '#rev = :rev',
      ExpressionAttributeNames: { '#rev': 'rev' },
      ExpressionAttributeValues: { ':price': unitPrice, ':now': new Date().toISOString(), ':one': 1, ':rev': hold.rev },
    });
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** DELETE /cart/items/{sku}: removes the line and returns its units; 404 when it is not in the cart. */
export async function removeCartItem(customerId: string, sku: string, now = new Date()): Promise<void> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existing = requireLiveLine(await getHold(customerId, sku), sku, now);
    if (await releaseHold(existing)) return;
  }
  throw new TooManyRequests(1);
}

/**
 * Deletes the hold and moves its units held → available in one transaction, only if the line is
 * still at the revision given (and, with `expiredBy`, expired by then). Returns false when someone
 * else changed or released it first — which is what makes every release happen at most once.
 */
export async function releaseHold(hold: Hold, options: { expiredBy?: Date } = {}): Promise<boolean> {
  try {
    await transactWrite([
      holdDelete(hold, options.expiredBy ? { expiredBy: options.expiredBy } : {}),
      stockMoveUpdate(hold.sku, stockMoves.releaseHold(hold.quantity), { shard: hold.stockShard }),
    ]);
    return true;
  } catch (error) {
    if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') return false;
    throw error;
  }
}

/**
 * Stream path: the TTL already deleted the line, so nothing is left to condition on; the release
 * claims the marker `hold-expired:<holdId>` in the same transaction instead. Returns false when
 * this removal was already handled (a redelivered stream record).
 */
export function releaseRemovedHold(hold: Hold): Promise<boolean> {
  return applyStockMoveOnce(`hold-expired:${hold.holdId}`, hold.sku, stockMoves.releaseHold(hold.quantity), hold.stockShard);
}

/**
 * For checkout: the transaction items that turn a live hold into a reservation (delete the line
 * at its revision if still live at `now`, move held → reserved). Add the order's own items and
 * send them together with transactWrite; a cancelled first item means the cart changed.
 */
export function holdToReservationItems(hold: Hold, now = new Date()): TransactItem[] {
  return [holdDelete(hold, { liveAt: now }), stockMoveUpdate(hold.sku, stockMoves.reserveHeld(hold.quantity), { shard: hold.stockShard })];
}

/**
 * For checkout of a line whose hold lapsed but was not yet released: its units are still in
 * `held`, so the same held → reserved move applies, conditional on the revision only (a sweep or
 * TTL release that got there first makes the first item fail, and the caller re-plans).
 */
export function lapsedHoldToReservationItems(hold: Hold): TransactItem[] {
  return [holdDelete(hold, {}), stockMoveUpdate(hold.sku, stockMoves.reserveHeld(hold.quantity), { shard: hold.stockShard })];
}

/** The scheduled sweep: every expired hold in every expiry shard, each released at most once. */
export async function sweepExpiredHolds(now = new Date()): Promise<{ found: number; released: number }> {
  const shards = Array.from({ length: HOLD_EXPIRY_SHARDS }, (_, shard) => shard);
  const counts = await Promise.all(
    shards.map(async (shard) => {
      const expired = await queryAll(expiredIn(cartKeys.holdsExpiringInShard(shard), now), SWEEP_LIMIT_PER_SHARD);
      let released = 0;
      for (const hold of expired) if (await releaseHold(hold, { expiredBy: now })) released++;
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
  for (const hold of expired) if (await releaseHold(hold, { expiredBy: now })) released++;
  return released;
}

/** Reads a hold back from an index item; undefined for any other entity. */
export function holdFromItem(item: Record<string, any> | undefined): Hold | undefined {
  return isEntity(item, 'CART_ITEM') ? toHold(item!) : undefined;
}

/** The hold in a table-stream image (NewImage / OldImage), or undefined for any other entity. */
export function holdFromStreamImage(image: Record<string, unknown> | undefined): Hold | undefined {
  const item = streamImageItem(image, 'CART_ITEM');
  return item && toHold(item);
}

/**
 * Writes the line at `quantity` and moves the difference with the stock, in one transaction.
 * Units taken come from one stock shard (takeFromShard: a new line's from any, a growing line's
 * from its own); units given back return to the line's shard. Undefined when the line changed
 * since it was read (retry); InsufficientStock when short.
 */
async function writeHold(customerId: string, line: LineInfo, existing: Hold | undefined, quantity: number, now: Date, policy: HoldPolicy) {
  const delta = holdDelta(existing, quantity);
  const { holdExpiresAt, ttl } = holdExpiry(now, policy, existing?.createdAt);
  const holdOn = (stockShard: number): Hold => ({
    customerId,
    sku: line.sku,
    productId: line.productId,
    name: line.name,
    unitPrice: line.unitPrice,
    quantity,
    holdId: existing?.holdId ?? randomUUID(),
    rev: (existing?.rev ?? 0) + 1,
    holdExpiresAt,
    createdAt: existing?.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
    ...(stockShard ? { stockShard } : {}),
  });
  if (delta <= 0) return commitHold(holdOn(existing?.stockShard ?? 0), ttl, existing, delta) as Promise<Hold | undefined>;
  const pinned = existing ? (existing.stockShard ?? 0) : undefined;
  return takeFromShard(line.sku, delta, (shard) => commitHold(holdOn(shard), ttl, existing, delta), pinned);
}

/** The line's Put and its stock move on the hold's shard; STOCK_SHORT when that shard lacked the units. */
async function commitHold(hold: Hold, ttl: number, existing: Hold | undefined, delta: number) {
  const items: TransactItem[] = [holdPut(hold, ttl, existing)];
  const shard = hold.stockShard;
  if (delta > 0) items.push(stockMoveUpdate(hold.sku, stockMoves.hold(delta), { shard }));
  if (delta < 0) items.push(stockMoveUpdate(hold.sku, stockMoves.releaseHold(-delta), { shard }));
  try {
    await transactWrite(items);
    return hold;
  } catch (error) {
    const [lineCode, stockCode] = cancellationCodes(error);
    if (lineCode === 'ConditionalCheckFailed') return undefined;
    if (stockCode === 'ConditionalCheckFailed' && delta > 0) return STOCK_SHORT;
    throw error;
  }
}

/** Put of the line: creates it only if absent, replaces it only at the revision we read. */
function holdPut(hold: Hold, ttl: number, existing: Hold | undefined): TransactItem {
  const item = {
    ...cartKeys.item(hold.customerId, hold.sku),
    ...cartKeys.skuHoldIndex(hold.sku, hold.holdExpiresAt, hold.customerId, hold.stockShard),
    ...cartKeys.expiryIndex(hold.holdExpiresAt, hold.customerId, hold.sku),
    ...entityTag('CART_ITEM'),
    ...hold,
    ttl,
  };
  return {
    Put: {
      Item: item,
      ...(existing
        ? { ConditionExpression: '#rev = :rev', ExpressionAttributeNames: { '#rev': 'rev' }, ExpressionAttributeValues: { ':rev': existing.rev } }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
}

/** Delete of the line at its revision; optionally only if expired by, or still live at, a time. */
function holdDelete(hold: Hold, when: { expiredBy?: Date; liveAt?: Date }): TransactItem {
  const conditions = ['#rev = :rev'];
  const values: Record<string, unknown> = { ':rev': hold.rev };
  if (when.expiredBy) {
    conditions.push('#expires <= :at');
    values[':at'] = when.expiredBy.toISOString();
  }
  if (when.liveAt) {
    conditions.push('#expires > :at');
    values[':at'] = when.liveAt.toISOString();
  }
  return {
    Delete: {
      Key: cartKeys.item(hold.customerId, hold.sku),
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#rev': 'rev', ...(conditions.length > 1 ? { '#expires': 'holdExpiresAt' } : {}) },
      ExpressionAttributeValues: values,
    },
  };
}

/** Pages of holds in an expiry-ordered index partition whose expiry is before `now` (sort keys start with it). */
function expiredIn(pattern: IndexPartition, now: Date): QueryPages {
  return (ExclusiveStartKey) => queryIndex({ ...pattern, sortKey: { before: now.toISOString() } }, { ExclusiveStartKey });
}

type QueryPages = (cursor: Record<string, unknown> | undefined) => Promise<QueryCommandOutput>;

async function queryAll(pageAt: QueryPages, limit = Infinity): Promise<Hold[]> {
  const holds: Hold[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await pageAt(cursor);
    for (const item of page.Items ?? []) {
      const hold = holdFromItem(item);
      if (hold && holds.length < limit) holds.push(hold);
    }
    cursor = holds.length < limit ? page.LastEvaluatedKey : undefined;
  } while (cursor);
  return holds;
}

/** The tenant's hold rules, as its stack passes them to the function. */
function holdPolicy(): HoldPolicy {
  return { ttlSeconds: env.holdTtlSeconds, maxLifetimeSeconds: env.holdMaxLifetimeSeconds, maxUnitsPerCustomer: env.maxUnitsPerCustomer };
}

/** A live line may only grow or renew while its product is still the catalog's (409 otherwise). */
function requireBuyable(line: Hold, info: SkuInfo | undefined): void {
  if (lineStanding(line, info).kind === 'unavailable') throw new ProductUnavailable([line]);
}

function lineOf(info: SkuInfo): LineInfo {
  return { sku: info.sku, productId: info.productId, name: lineName(info), unitPrice: info.price };
}

function toHold(item: Record<string, any>): Hold {
  const { customerId, sku, productId, name, unitPrice, quantity, holdId, rev, holdExpiresAt, createdAt, updatedAt, stockShard } = item;
  return { customerId, sku, productId, name, unitPrice, quantity, holdId, rev, holdExpiresAt, createdAt, updatedAt, ...(stockShard ? { stockShard } : {}) };
}
