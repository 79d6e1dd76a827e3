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
  requireLiveLine,
  type CartView,
  type Hold,
  type HoldPolicy,
  type SkuInfo,
} from '../../domain/cart';
import type { Money } from '../../domain/catalog';
import { TooManyRequests } from '../../domain/errors';
import { stockMoves } from '../../domain/stock';
import type { StockMovement } from '../../domain/stock-ledger';
import { env } from '../../shared/env';
import { cartKeys } from './keys';
import { applyStockMoveOnce, getSkuInfo, getSkuInfos, STOCK_SHORT, stockMoveUpdate, takeFromShard } from './stock-repository';
import {
  cancellationCodes,
  entityTag,
  getItem,
  isConditionFailure,
  isEntity,
  query,
  streamImageItem,
  transactWrite,
  updateItem,
  type TransactItem,
} from './table';

/** Optimistic retries when a line changed between our read and our conditional write. */
const MAX_ATTEMPTS = 8;

export type LineInfo = Pick<Hold, 'sku' | 'productId' | 'name' | 'unitPrice'>;

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
 * An expired hold is released through hold-expiry.ts, which counts it.
 */
export async function releaseHold(hold: Hold, options: { expiredBy?: Date } = {}): Promise<boolean> {
  try {
    await transactWrite([
      holdDelete(hold, options.expiredBy ? { expiredBy: options.expiredBy } : {}),
      stockMoveUpdate(hold.sku, stockMoves.releaseHold(hold.quantity), lineMovement(options.expiredBy ? 'hold-expiry' : 'hold-release', hold), { shard: hold.stockShard }),
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
  return applyStockMoveOnce(`hold-expired:${hold.holdId}`, hold.sku, stockMoves.releaseHold(hold.quantity), lineMovement('hold-expiry', hold), hold.stockShard);
}

/**
 * For checkout: the transaction items that turn a live hold into a reservation (delete the line
 * at its revision if still live at `now`, move held → reserved). Add the order's own items and
 * send them together with transactWrite; a cancelled first item means the cart changed.
 */
export function holdToReservationItems(hold: Hold, orderId: string, now = new Date()): TransactItem[] {
  return [holdDelete(hold, { liveAt: now }), stockMoveUpdate(hold.sku, stockMoves.reserveHeld(hold.quantity), lineMovement('reservation', hold, orderId), { shard: hold.stockShard })];
}

/**
 * For checkout of a line whose hold lapsed but was not yet released: its units are still in
 * `held`, so the same held → reserved move applies, conditional on the revision only (a sweep or
 * TTL release that got there first makes the first item fail, and the caller re-plans).
 */
export function lapsedHoldToReservationItems(hold: Hold, orderId: string): TransactItem[] {
  return [holdDelete(hold, {}), stockMoveUpdate(hold.sku, stockMoves.reserveHeld(hold.quantity), lineMovement('reservation', hold, orderId), { shard: hold.stockShard })];
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
  const hold = await commitHoldOnShard((shard) => heldLine(customerId, line, existing, quantity, now, policy, shard), existing);
  return hold.outcome === 'committed' ? hold.hold : undefined;
}

/** The line as it is to be written: `quantity` units on stock shard `stockShard`, its hold renewed at `now` within the policy. */
export function heldLine(
  customerId: string,
  line: LineInfo,
  existing: Hold | undefined,
  quantity: number,
  now: Date,
  policy: HoldPolicy,
  stockShard = existing?.stockShard ?? 0,
): Hold {
  const { holdExpiresAt } = holdExpiry(now, policy, existing?.createdAt);
  return {
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
  };
}

/** What committing a line came to: the line as written, or why it was not. */
export type HoldCommit = { readonly outcome: 'committed'; readonly hold: Hold } | { readonly outcome: 'moved' | 'extra-refused' };

/**
 * Commits the line that `holdOn(shard)` builds over `existing` (the revision read), its added
 * units taken from one stock shard (takeFromShard: a new line's from any, a growing line's from
 * its own), units given back returned to the line's shard; `extra` goes last in the transaction
 * (e.g. the idempotency record). 'moved' when the line changed since it was read (read again and
 * retry), 'extra-refused' when the extra item's condition failed; InsufficientStock when short.
 */
export async function commitHoldOnShard(holdOn: (shard: number) => Hold, existing: Hold | undefined, extra?: TransactItem): Promise<HoldCommit> {
  const ownShard = existing?.stockShard ?? 0;
  const { sku, quantity } = holdOn(ownShard);
  const delta = holdDelta(existing, quantity);
  const commit = async (shard: number): Promise<HoldCommit | typeof STOCK_SHORT> => {
    const hold = holdOn(shard);
    const outcome = await commitHold(hold, existing, delta, extra);
    if (outcome === STOCK_SHORT) return STOCK_SHORT;
    return outcome === 'committed' ? { outcome, hold } : { outcome };
  };
  const result = delta > 0 ? await takeFromShard(sku, delta, commit, existing ? ownShard : undefined) : await commit(ownShard);
  if (result === STOCK_SHORT) throw new Error(`Giving units back cannot be short of stock (${sku})`);
  return result;
}

/** The line's Put and its stock move on the hold's shard; STOCK_SHORT when that shard lacked the units. */
async function commitHold(hold: Hold, existing: Hold | undefined, delta: number, extra?: TransactItem) {
  const items: TransactItem[] = [holdPut(hold, existing)];
  const shard = hold.stockShard;
  if (delta > 0) items.push(stockMoveUpdate(hold.sku, stockMoves.hold(delta), lineMovement('hold', hold), { shard }));
  if (delta < 0) items.push(stockMoveUpdate(hold.sku, stockMoves.releaseHold(-delta), lineMovement('hold-release', hold), { shard }));
  if (extra) items.push(extra);
  try {
    await transactWrite(items);
    return 'committed';
  } catch (error) {
    const codes = cancellationCodes(error);
    if (extra && codes.at(-1) === 'ConditionalCheckFailed') return 'extra-refused';
    const [lineCode, stockCode] = codes;
    if (lineCode === 'ConditionalCheckFailed') return 'moved';
    if (stockCode === 'ConditionalCheckFailed' && delta > 0) return STOCK_SHORT;
    throw error;
  }
}

/** Put of the line: creates it only if absent, replaces it only at the revision we read. */
function holdPut(hold: Hold, existing: Hold | undefined): TransactItem {
  const ttl = Math.ceil(Date.parse(hold.holdExpiresAt) / 1000); // as holdExpiry computes it
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

export type QueryPages = (cursor: Record<string, unknown> | undefined) => Promise<QueryCommandOutput>;

/** The holds in every page (up to `limit`), other entities skipped. */
export async function queryAll(pageAt: QueryPages, limit = Infinity): Promise<Hold[]> {
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

/** A movement of a cart line's stock, for the ledger: the line is its cause (and the order, for a reservation). */
export function lineMovement(kind: StockMovement['kind'], hold: Pick<Hold, 'customerId' | 'holdId'>, orderId?: string): StockMovement {
  return { kind, cause: { customerId: hold.customerId, holdId: hold.holdId, ...(orderId ? { orderId } : {}) } };
}

/** The tenant's hold rules, as its stack passes them to the function. */
export function holdPolicy(): HoldPolicy {
  return { ttlSeconds: env.holdTtlSeconds, maxLifetimeSeconds: env.holdMaxLifetimeSeconds, maxUnitsPerCustomer: env.maxUnitsPerCustomer };
}

/** A live line may only grow or renew while its product is still the catalog's (409 otherwise). */
export function requireBuyable(line: Hold, info: SkuInfo | undefined): void {
  if (lineStanding(line, info).kind === 'unavailable') throw new ProductUnavailable([line]);
}

/** A new line of a SKU, named and priced as the catalog has it now. */
export function lineOf(info: SkuInfo): LineInfo {
  return { sku: info.sku, productId: info.productId, name: lineName(info), unitPrice: info.price };
}

function toHold(item: Record<string, any>): Hold {
  const { customerId, sku, productId, name, unitPrice, quantity, holdId, rev, holdExpiresAt, createdAt, updatedAt, stockShard } = item;
  return { customerId, sku, productId, name, unitPrice, quantity, holdId, rev, holdExpiresAt, createdAt, updatedAt, ...(stockShard ? { stockShard } : {}) };
}
