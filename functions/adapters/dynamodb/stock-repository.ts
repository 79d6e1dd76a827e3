/**
 * The stock of a SKU (skuKeys.stock, and skuKeys.stockShard for a sharded SKU) and every way it
 * moves. Each change is ONE conditional write — alone or as an item of a caller's
 * TransactWriteItems — built from a StockMove (functions/domain/stock.ts) on ONE shard:
 * `SET field = field + :delta` for every field it touches, with `field >= -delta` for every
 * field it decreases, so no bucket of any shard goes negative and the invariant holds per shard
 * by construction, hence in sum. Nothing here reads-then-writes without a condition.
 *
 * Shards: an unsharded SKU is shard 0 alone, the record as it always was. A hot SKU's units are
 * spread over N shards (PUT /admin/inventory { total, shards }); a hold takes its units from one
 * shard (takeFromShard: a random active one, then any with the units, gathering scattered units
 * into one when no single shard has enough), and the hold, its reservation and its sale name
 * that shard, so every later move of those units lands where they are.
 */
import { randomUUID } from 'node:crypto';
import type { SkuInfo } from '../../domain/cart';
import { InsufficientStock, NotFound, TooManyRequests } from '../../domain/errors';
import {
  applyMove,
  EMPTY_STOCK,
  InventoryBelowCommitted,
  isBalanced,
  planShardTotals,
  STOCK_FIELDS,
  StockMoveRefused,
  stockMoves,
  sumLevels,
  type StockLevels,
  type StockMove,
} from '../../domain/stock';
import type { MovementCause, MovementStamp, StockMovement } from '../../domain/stock-ledger';
import { skuKeys, stockOpKeys } from './keys';
import {
  batchGet,
  cancellationCodes,
  entityTag,
  getItem,
  isEntity,
  transactWrite,
  type TransactItem,
} from './table';

/** A SKU's summed stock, its version (shard 0's) and its active shard count (1 when unsharded). */
export type StockRecord = StockLevels & { readonly sku: string; readonly version: number; readonly shards: number };

/** How a SKU's stock is split: `shards` active shards (new holds go there), `slots` shard records in all. */
export interface StockLayout {
  readonly shards: number;
  readonly slots: number;
}

/** Where the units of a move are, for the caller's own transaction (e.g. a hold's shard). */
export interface StockMoveOptions {
  /** @default 0 - the SKU's stock record itself */
  readonly shard?: number;
  /** Equality conditions on the shard's fields (an admin write conditions on the totals it read). */
  readonly expect?: Partial<StockLevels>;
  /** Shard 0 only: writes the layout, conditioned on the layout version read (admin writes). */
  readonly layout?: StockLayout & { readonly readVersion: number | undefined };
}

/** Returned by a {@link takeFromShard} attempt whose shard was short of the units. */
export const STOCK_SHORT = Symbol('stock short');
export type ShardAttempt<T> = (shard: number) => Promise<T | typeof STOCK_SHORT>;

/** Op markers outlive every redelivery window (stream records live 24 h; workflow retries minutes). */
const OP_MARKER_RETENTION_SECONDS = 30 * 24 * 3600;
/** Admin writes retry while holds keep moving `available` underneath them. */
const ADMIN_ATTEMPTS = 10;
/** Reads and picks of a shard after the first one was short, before a busy SKU answers 429. */
const SHARD_ROUNDS = 12;
/**
 * A SKU's layout is read at most this often per process: it changes only by an admin write, and
 * a stale one is harmless (a hold on a shard that has no units, or no record, is refused by its
 * condition and falls back to a fresh read), so a hold costs no extra read of the hot record.
 */
const LAYOUT_CACHE_MS = 2_000;
const LAYOUT_CACHE_SIZE = 10_000;
const layoutCache = new Map<string, { readonly layout: StockLayout; readonly until: number }>();

/** The catalog's VARIANT item for a SKU, or undefined when the SKU is not in the catalog. */
export async function getSkuInfo(sku: string): Promise<SkuInfo | undefined> {
  const { Item } = await getItem({ Key: skuKeys.variant(sku) });
  return Item && toSkuInfo(Item);
}

/**
 * The VARIANT items of these SKUs, by SKU; SKUs outside the catalog are absent from the map.
 * With `withLayoutOf`, the same BatchGet also reads that SKU's stock record unless its layout is
 * cached, so the hold that follows (takeFromShard) picks its shard without a read of its own.
 */
export async function getSkuInfos(skus: readonly string[], { withLayoutOf }: { withLayoutOf?: string } = {}): Promise<Map<string, SkuInfo>> {
  const variants = [...new Set(skus)].map(skuKeys.variant);
  // Read again once half the cached layout's life is gone, so it outlives the hold that follows even under load.
  const layoutSku = withLayoutOf !== undefined && !cachedLayout(withLayoutOf, LAYOUT_CACHE_MS / 2) ? withLayoutOf : undefined;
  const items = await batchGet(layoutSku === undefined ? variants : [...variants, skuKeys.stock(layoutSku)]);
  if (layoutSku !== undefined) remember(layoutSku, layoutOf(items.find((item) => isEntity(item, 'STOCK'))));
  return new Map(items.filter((item) => isEntity(item, 'VARIANT')).map((item) => [item.sku as string, toSkuInfo(item)]));
}

/** The SKU's stock summed over its shards, or undefined when none was ever written (no stock yet). */
export async function getStock(sku: string): Promise<StockRecord | undefined> {
  const read = await readShards(sku);
  return read && { sku, ...sumLevels(read.levels), version: read.version, shards: read.layout.shards };
}

/**
 * The summed levels of many SKUs (product reads: availability; catalog writes: units in use),
 * in two BatchGets at most: the stock records, then the other shards of the sharded ones.
 * A SKU without a stock record is absent from the map.
 */
export async function getStockLevels(skus: readonly string[], options: { consistent?: boolean } = {}): Promise<Map<string, StockLevels>> {
  const unique = [...new Set(skus)];
  const skuOf = new Map(unique.map((sku) => [skuKeys.stock(sku).pk, sku]));
  const records = await batchGet(unique.map(skuKeys.stock), options);
  const shardsOf = new Map<string, Record<string, unknown>[]>(records.map((record) => [skuOf.get(record.pk as string)!, [record]]));
  const more = [...shardsOf].flatMap(([sku, [record]]) => otherShardKeys(sku, layoutOf(record!)));
  if (more.length) {
    for (const item of await batchGet(more, options)) shardsOf.get(item.sku as string)?.push(item);
  }
  return new Map([...shardsOf].map(([sku, items]) => [sku, sumLevels(items.map(toLevels))]));
}

/**
 * The Update of a stock move on one shard, for a caller's own TransactWriteItems (e.g. checkout:
 * delete the holds, move held → reserved on each hold's shard, put the order, all in one).
 */
export function stockMoveUpdate(sku: string, move: StockMove, movement: StockMovement, options: StockMoveOptions = {}): TransactItem {
  if (!isBalanced(move)) throw new Error(`Unbalanced stock move for ${sku}: ${JSON.stringify(move)}`);
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':one': 1, ':now': new Date().toISOString() };
  const sets = ['#updatedAt = :now'];
  const adds = ['#version :one'];
  const conditions = ['attribute_exists(pk)'];
  for (const field of STOCK_FIELDS) {
    const delta = move[field] ?? 0;
    if (delta !== 0) {
      names[`#${field}`] = field;
      values[`:d_${field}`] = delta;
      sets.push(`#${field} = #${field} + :d_${field}`);
    }
    if (delta < 0) {
      values[`:min_${field}`] = -delta;
      conditions.push(`#${field} >= :min_${field}`);
    }
  }
  for (const [field, value] of Object.entries(options.expect ?? {})) {
    names[`#${field}`] = field;
    values[`:expect_${field}`] = value;
    conditions.push(`#${field} = :expect_${field}`);
  }
  if (options.layout) {
    Object.assign(names, { '#shards': 'shards', '#slots': 'shardSlots', '#layoutVersion': 'layoutVersion' });
    Object.assign(values, { ':shards': options.layout.shards, ':slots': options.layout.slots });
    sets.push('#shards = :shards', '#slots = :slots');
    adds.push('#layoutVersion :one');
    if (options.layout.readVersion === undefined) conditions.push('attribute_not_exists(#layoutVersion)');
    else {
      values[':layoutVersion'] = options.layout.readVersion;
      conditions.push('#layoutVersion = :layoutVersion');
    }
  }
  names['#lastMovement'] = 'lastMovement';
  values[':lastMovement'] = movementStamp(movement);
  sets.push('#lastMovement = :lastMovement');
  return {
    Update: {
      Key: skuKeys.stockShard(sku, options.shard ?? 0),
      UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * What moved the stock, stamped on the record it moves (`lastMovement`, with an id of its own),
 * so the ledger that the table stream feeds (queue/record-stock-ledger.ts) knows the kind and
 * cause of every change it sees. Every stock write carries one.
 */
function movementStamp(movement: StockMovement): MovementStamp {
  return { id: randomUUID(), ...movement };
}

/**
 * Runs `attempt` — a transaction that takes `quantity` from one shard's `available` and returns
 * STOCK_SHORT when that shard's condition refused it — until one shard had the units: first a
 * random active shard (so concurrent buyers rarely meet on one record), then, from a consistent
 * read of every shard, a random one of those that have them. When units are scattered so that no
 * shard has enough, they are gathered into one first (one transaction). A `pinned` shard (a
 * growing cart line's own) is the only one tried, units gathered into it when it is short.
 * @throws InsufficientStock when all shards together have fewer than `quantity`
 */
export async function takeFromShard<T>(sku: string, quantity: number, attempt: ShardAttempt<T>, pinned?: number): Promise<T> {
  const first = await attempt(pinned ?? randomShard(await stockLayoutOf(sku)));
  if (first !== STOCK_SHORT) return first;
  for (let round = 1; round <= SHARD_ROUNDS; round++) {
    const read = await readShards(sku);
    const levels = read?.levels ?? [EMPTY_STOCK];
    const available = levels.reduce((sum, shard) => sum + shard.available, 0);
    if (available < quantity) throw new InsufficientStock(sku, quantity, available);
    const shard = pinned ?? pickShardWith(levels, quantity) ?? richestShard(levels);
    const short = quantity - levels[shard]!.available;
    if (short > 0 && !(await gatherInto(sku, shard, short, levels))) continue;
    const result = await attempt(shard);
    if (result !== STOCK_SHORT) return result;
  }
  throw new TooManyRequests(1);
}

/** The Put that claims an operation id, for a caller's own transaction (see applyStockMoveOnce). */
export function stockOpMarkerPut(opId: string, detail: Record<string, unknown> = {}): TransactItem {
  const now = Math.floor(Date.now() / 1000);
  return {
    Put: {
      Item: { ...stockOpKeys.applied(opId), ...entityTag('STOCK_OP'), opId, ...detail, appliedAt: new Date().toISOString(), ttl: now + OP_MARKER_RETENTION_SECONDS },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Applies the move (on `shard`) at most once per `opId` however often it is called: the op marker
 * and the stock update commit together or not at all. Returns false when the op was applied before.
 */
export async function applyStockMoveOnce(opId: string, sku: string, move: StockMove, movement: StockMovement, shard = 0): Promise<boolean> {
  for (let attempt = 1; attempt <= ADMIN_ATTEMPTS; attempt++) {
    try {
      await transactWrite([stockOpMarkerPut(opId, { sku, move, shard }), stockMoveUpdate(sku, move, movement, { shard })]);
      return true;
    } catch (error) {
      const [marker, stock] = cancellationCodes(error);
      if (marker === 'ConditionalCheckFailed') return false;
      if (stock !== 'ConditionalCheckFailed') throw error;
      await explainRefusal(sku, move, shard); // throws unless the refusal was a passing race
    }
  }
  throw new TooManyRequests(1);
}

/**
 * GET /admin/inventory: the stock summed over its shards, also of a SKU whose product was deleted
 * (its units may still be in carts and orders); zeros for a catalog SKU never stocked; 404 for a
 * SKU never seen.
 */
export async function getInventory(sku: string): Promise<StockRecord> {
  const [info, stock] = await Promise.all([getSkuInfo(sku), getStock(sku)]);
  if (stock) return stock;
  if (!info) throw new NotFound('SKU', sku);
  return { sku, ...EMPTY_STOCK, version: 0, shards: 1 };
}

/**
 * Sets `total` (and, given `shards`, the shard count); available becomes total − held − reserved
 * − sold, refused (409) below zero. See {@link rebalance}.
 */
export async function setStockTotal(sku: string, total: number, cause: MovementCause, shards?: number): Promise<StockRecord> {
  return rebalance(sku, { kind: 'admin-set', cause }, (current) => ({ total, shards: shards ?? current.shards }));
}

/**
 * Adds `delta` (negative: shrink) to total and available; refused (409) if available would go
 * below 0. A delta commutes with every other move, so no version is read or conditioned on: a
 * restock is spread over the active shards, a write-off taken from the shards that have the
 * units, each conditional on its own `available` only (one transaction).
 */
export async function adjustStockTotal(sku: string, delta: number, cause: MovementCause): Promise<StockRecord> {
  const movement: StockMovement = { kind: 'admin-adjust', cause };
  for (let attempt = 1; attempt <= ADMIN_ATTEMPTS; attempt++) {
    const read = await shardsForAdmin(sku);
    const deltas = delta >= 0 ? spread(delta, read.layout.shards) : takeAvailable(sku, -delta, read.levels);
    const items = deltas.flatMap((d, shard) => (d === 0 ? [] : [stockMoveUpdate(sku, stockMoves.restock(d), movement, { shard })]));
    try {
      if (items.length) await transactWrite(items);
      return (await getStock(sku))!;
    } catch (error) {
      if (!cancellationCodes(error).includes('ConditionalCheckFailed')) throw error;
    }
  }
  throw new TooManyRequests(1);
}

/** `units` over `shards` shards as evenly as whole units go. */
const spread = (units: number, shards: number) => Array.from({ length: shards }, (_, i) => Math.floor(units / shards) + (i < units % shards ? 1 : 0));

/** Negative deltas taking `units` of available, richest shards first. @throws InventoryBelowCommitted when they lack them */
function takeAvailable(sku: string, units: number, levels: readonly StockLevels[]): number[] {
  const summed = sumLevels(levels);
  if (summed.available < units) throw new InventoryBelowCommitted(sku, summed.total - units, summed);
  const deltas = levels.map(() => 0);
  let left = units;
  for (const shard of levels.map((_, i) => i).sort((a, b) => levels[b]!.available - levels[a]!.available)) {
    deltas[shard] = -Math.min(left, levels[shard]!.available);
    left += deltas[shard]!;
  }
  return deltas;
}

/**
 * The merchant's writes: ONE transaction over the shards (domain/stock.ts, planShardTotals): each
 * keeps its committed units, the units on the shelf are spread over the active shards, new shard
 * records are created. Each shard's update is conditioned on the total read (holds never move a
 * total, so a flash sale's hold traffic does not starve the merchant), and shard 0's on the layout
 * version read, so two admin writes never both apply to one reading. Re-sharding is therefore safe
 * while holds exist: only `available` moves, and a hold or release racing with it makes one of the
 * two fail its condition and retry.
 */
async function rebalance(sku: string, movement: StockMovement, target: (current: StockRecord) => { total: number; shards: number }): Promise<StockRecord> {
  for (let attempt = 1; attempt <= ADMIN_ATTEMPTS; attempt++) {
    const read = await shardsForAdmin(sku);
    const current = { sku, ...sumLevels(read.levels), version: read.version, shards: read.layout.shards };
    const wanted = target(current);
    const totals = planShardTotals(sku, read.levels, wanted.total, wanted.shards);
    const layout = { shards: wanted.shards, slots: totals.length, readVersion: read.layoutVersion };
    const items = totals.flatMap((total, shard) => shardWrite(sku, shard, read.levels[shard], total, movement, shard === 0 ? layout : undefined));
    try {
      await transactWrite(items);
      layoutCache.delete(sku);
      return (await getStock(sku))!;
    } catch (error) {
      if (!cancellationCodes(error).includes('ConditionalCheckFailed')) throw error;
    }
  }
  throw new TooManyRequests(1);
}

/** The write that brings one shard to `total`: a restock on an existing shard, a Put of a new one, or nothing. */
function shardWrite(sku: string, shard: number, levels: StockLevels | undefined, total: number, movement: StockMovement, layout?: StockMoveOptions['layout']): TransactItem[] {
  if (!levels) {
    const stamp = movementStamp(movement);
    const item = { ...skuKeys.stockShard(sku, shard), ...entityTag('STOCK'), sku, shard, ...EMPTY_STOCK, total, available: total, version: 1, lastMovement: stamp };
    return [{ Put: { Item: { ...item, updatedAt: new Date().toISOString() }, ConditionExpression: 'attribute_not_exists(pk)' } }];
  }
  if (total === levels.total && !layout) return [];
  return [stockMoveUpdate(sku, stockMoves.restock(total - levels.total), movement, { shard, expect: { total: levels.total }, layout })];
}

/**
 * Moves `units` of `available` from other shards into `target` (restock −x there, +units here:
 * each shard keeps its invariant, the SKU's total is unchanged). False when a donor's units moved
 * meanwhile (the caller reads again).
 */
async function gatherInto(sku: string, target: number, units: number, levels: readonly StockLevels[]): Promise<boolean> {
  const donors = levels.map((l, shard) => ({ shard, available: l.available })).filter((d) => d.shard !== target && d.available > 0);
  donors.sort((a, b) => b.available - a.available);
  const movement: StockMovement = { kind: 'shard-rebalance', cause: {} };
  const items = [stockMoveUpdate(sku, stockMoves.restock(units), movement, { shard: target })];
  let left = units;
  for (const donor of donors) {
    if (left === 0) break;
    const take = Math.min(left, donor.available);
    items.push(stockMoveUpdate(sku, stockMoves.restock(-take), movement, { shard: donor.shard }));
    left -= take;
  }
  try {
    await transactWrite(items);
    return true;
  } catch (error) {
    if (cancellationCodes(error).includes('ConditionalCheckFailed')) return false;
    throw error;
  }
}

/** Throws the error a refused move means for the caller; returns when it would now pass (a race). */
async function explainRefusal(sku: string, move: StockMove, shard: number): Promise<void> {
  const { Item } = await getItem({ Key: skuKeys.stockShard(sku, shard), ConsistentRead: true });
  const levels = Item ? toLevels(Item) : EMPTY_STOCK;
  const result = applyMove(levels, move);
  if (!('short' in result)) return;
  if (result.short === 'available') throw new InsufficientStock(sku, -(move.available ?? 0), levels.available);
  throw new StockMoveRefused(sku, result.short, move);
}

/** Every shard's levels (index = shard; a missing record reads as zeros), read consistently. */
async function readShards(sku: string): Promise<{ layout: StockLayout; levels: StockLevels[]; version: number; layoutVersion?: number } | undefined> {
  const { Item } = await getItem({ Key: skuKeys.stock(sku), ConsistentRead: true });
  if (!Item) return undefined;
  const layout = layoutOf(Item);
  remember(sku, layout);
  const others = await batchGet(otherShardKeys(sku, layout), { consistent: true });
  const levels = Array.from({ length: layout.slots }, (_, shard) => {
    const item = shard === 0 ? Item : others.find((other) => other.shard === shard);
    return item ? toLevels(item) : EMPTY_STOCK;
  });
  return { layout, levels, version: Number(Item.version ?? 0), layoutVersion: Item.layoutVersion as number | undefined };
}

/**
 * The shards for an admin write: the existing ones (a deleted product's too, so its leftover units
 * can be written off), else a new all-zero record for a catalog SKU; 404 otherwise.
 */
async function shardsForAdmin(sku: string) {
  const read = await readShards(sku);
  if (read) return read;
  await createStockRecord(sku);
  return (await readShards(sku))!;
}

/** Creates the all-zero record, only while the VARIANT exists (checked in the same transaction). */
async function createStockRecord(sku: string): Promise<void> {
  try {
    await transactWrite([
      { ConditionCheck: { Key: skuKeys.variant(sku), ConditionExpression: 'attribute_exists(pk)' } },
      {
        Put: {
          Item: { ...skuKeys.stock(sku), ...entityTag('STOCK'), sku, ...EMPTY_STOCK, version: 0, updatedAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  } catch (error) {
    const [variant, stock] = cancellationCodes(error);
    if (variant === 'ConditionalCheckFailed') throw new NotFound('SKU', sku);
    if (stock !== 'ConditionalCheckFailed') throw error; // else: created concurrently, which is fine
  }
}

/** The SKU's layout, from the process cache or an eventually consistent read of its stock record. */
export async function stockLayoutOf(sku: string): Promise<StockLayout> {
  const cached = cachedLayout(sku);
  if (cached) return cached;
  const { Item } = await getItem({
    Key: skuKeys.stock(sku),
    ProjectionExpression: '#shards, #slots',
    ExpressionAttributeNames: { '#shards': 'shards', '#slots': 'shardSlots' },
  });
  return remember(sku, layoutOf(Item));
}

/** The cached layout of `sku` if it stays fresh for at least `forMs` more. */
function cachedLayout(sku: string, forMs = 0): StockLayout | undefined {
  const cached = layoutCache.get(sku);
  return cached && cached.until > Date.now() + forMs ? cached.layout : undefined;
}

function remember(sku: string, layout: StockLayout): StockLayout {
  if (layoutCache.size >= LAYOUT_CACHE_SIZE) layoutCache.clear();
  layoutCache.set(sku, { layout, until: Date.now() + LAYOUT_CACHE_MS });
  return layout;
}

function layoutOf(item: Record<string, unknown> | undefined): StockLayout {
  const shards = Number(item?.shards ?? 1);
  return { shards, slots: Math.max(shards, Number(item?.shardSlots ?? 1)) };
}

const otherShardKeys = (sku: string, layout: StockLayout) => Array.from({ length: layout.slots - 1 }, (_, i) => skuKeys.stockShard(sku, i + 1));

const randomShard = (layout: StockLayout) => Math.floor(Math.random() * layout.shards);

/** A random shard among those with at least `quantity` available, or undefined when none has. */
function pickShardWith(levels: readonly StockLevels[], quantity: number): number | undefined {
  const rich = levels.flatMap((l, shard) => (l.available >= quantity ? [shard] : []));
  return rich.length ? rich[Math.floor(Math.random() * rich.length)] : undefined;
}

function richestShard(levels: readonly StockLevels[]): number {
  return levels.reduce((best, l, shard) => (l.available > levels[best]!.available ? shard : best), 0);
}

function toSkuInfo(item: Record<string, any>): SkuInfo {
  const { sku, productId, productName, variantName, price } = item;
  return { sku, productId, productName, variantName, price };
}

function toLevels(item: Record<string, any>): StockLevels {
  const { total = 0, available = 0, held = 0, reserved = 0, sold = 0 } = item;
  return { total, available, held, reserved, sold };
}
