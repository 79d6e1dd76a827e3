/**
 * The stock record of a SKU (skuKeys.stock) and every way it moves. Each change is ONE
 * conditional write — alone or as an item of a caller's TransactWriteItems — built from a
 * StockMove (functions/domain/stock.ts): `SET field = field + :delta` for every field it touches,
 * with `field >= -delta` for every field it decreases, so no bucket goes negative and the
 * invariant holds by construction. Nothing here reads-then-writes without a condition.
 */
import { randomUUID } from 'node:crypto';
import type { SkuInfo } from '../../domain/cart';
import { InsufficientStock, NotFound, TooManyRequests } from '../../domain/errors';
import {
  applyMove,
  EMPTY_STOCK,
  InventoryBelowCommitted,
  isBalanced,
  setTotalMove,
  STOCK_FIELDS,
  StockMoveRefused,
  stockMoves,
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
  isConditionFailure,
  retryOnConflict,
  transactWrite,
  updateItem,
  type TransactItem,
} from './table';

export type StockRecord = StockLevels & { readonly sku: string; readonly version: number };

/** Op markers outlive every redelivery window (stream records live 24 h; workflow retries minutes). */
const OP_MARKER_RETENTION_SECONDS = 30 * 24 * 3600;
/** Admin writes retry while holds keep moving `available` underneath them. */
const ADMIN_ATTEMPTS = 10;

/** The catalog's VARIANT item for a SKU, or undefined when the SKU is not in the catalog. */
export async function getSkuInfo(sku: string): Promise<SkuInfo | undefined> {
  const { Item } = await getItem({ Key: skuKeys.variant(sku) });
  return Item && toSkuInfo(Item);
}

/** The VARIANT items of these SKUs, by SKU; SKUs outside the catalog are absent from the map. */
export async function getSkuInfos(skus: readonly string[]): Promise<Map<string, SkuInfo>> {
  const items = await batchGet([...new Set(skus)].map(skuKeys.variant));
  return new Map(items.map((item) => [item.sku as string, toSkuInfo(item)]));
}

/** The stock record, or undefined when none was ever written (the SKU has no stock yet). */
export async function getStock(sku: string): Promise<StockRecord | undefined> {
  const { Item } = await getItem({ Key: skuKeys.stock(sku), ConsistentRead: true });
  return Item ? toStockRecord(sku, Item) : undefined;
}

/**
 * The Update of a stock move, for a caller's own TransactWriteItems (e.g. checkout: delete the
 * holds, move held → reserved, put the order, all in one). `movement` says what moved it, for
 * the ledger; `expect` adds equality conditions.
 */
export function stockMoveUpdate(sku: string, move: StockMove, movement: StockMovement, expect: Partial<StockLevels> = {}): TransactItem {
  if (!isBalanced(move)) throw new Error(`Unbalanced stock move for ${sku}: ${JSON.stringify(move)}`);
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':one': 1, ':now': new Date().toISOString() };
  const sets = ['#updatedAt = :now'];
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
  for (const [field, value] of Object.entries(expect)) {
    names[`#${field}`] = field;
    values[`:expect_${field}`] = value;
    conditions.push(`#${field} = :expect_${field}`);
  }
  return withMovement(
    {
      Update: {
        Key: skuKeys.stock(sku),
        UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
    movement,
  );
}

/**
 * Stamps what moved the stock on the record (`lastMovement`, with an id of its own), one more SET
 * on the update, so the ledger that the table stream feeds (queue/record-stock-ledger.ts) knows
 * the kind and cause of every change it sees. Every stock update goes through here.
 */
export function withMovement(item: TransactItem, movement: StockMovement): TransactItem {
  const update = item.Update!;
  const stamp: MovementStamp = { id: randomUUID(), ...movement };
  return {
    Update: {
      ...update,
      UpdateExpression: update.UpdateExpression!.replace(/^SET /, 'SET #lastMovement = :lastMovement, '),
      ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#lastMovement': 'lastMovement' },
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':lastMovement': stamp },
    },
  };
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
 * Applies the move at most once per `opId` however often it is called: the op marker and the
 * stock update commit together or not at all. Returns false when the op was applied before.
 */
export async function applyStockMoveOnce(opId: string, sku: string, move: StockMove, movement: StockMovement): Promise<boolean> {
  for (let attempt = 1; attempt <= ADMIN_ATTEMPTS; attempt++) {
    try {
      await transactWrite([stockOpMarkerPut(opId, { sku, move }), stockMoveUpdate(sku, move, movement)]);
      return true;
    } catch (error) {
      const [marker, stock] = cancellationCodes(error);
      if (marker === 'ConditionalCheckFailed') return false;
      if (stock !== 'ConditionalCheckFailed') throw error;
      await explainRefusal(sku, move); // throws unless the refusal was a passing race
    }
  }
  throw new TooManyRequests(1);
}

/**
 * GET /admin/inventory: the stock record, also of a SKU whose product was deleted (its units may
 * still be in carts and orders); zeros for a catalog SKU never stocked; 404 for a SKU never seen.
 */
export async function getInventory(sku: string): Promise<StockRecord> {
  const [info, stock] = await Promise.all([getSkuInfo(sku), getStock(sku)]);
  if (stock) return stock;
  if (!info) throw new NotFound('SKU', sku);
  return { sku, ...EMPTY_STOCK, version: 0 };
}

/**
 * Sets `total`; available becomes total − held − reserved − sold, refused (409) below zero.
 * Conditional on the total read, not on `version`, so a flash sale's hold traffic (which moves
 * available and version, never total) does not starve the merchant's write.
 */
export async function setStockTotal(sku: string, total: number, cause: MovementCause): Promise<StockRecord> {
  for (let attempt = 1; attempt <= ADMIN_ATTEMPTS; attempt++) {
    const levels = await stockForAdmin(sku);
    const moved = await tryMoveStock(sku, setTotalMove(sku, levels, total), { kind: 'admin-set', cause }, { total: levels.total });
    if (moved) return moved;
  }
  throw new TooManyRequests(1);
}

/** Adds `delta` (negative: shrink) to total and available; refused (409) if available would go below 0. */
export async function adjustStockTotal(sku: string, delta: number, cause: MovementCause): Promise<StockRecord> {
  const levels = await stockForAdmin(sku);
  const moved = await tryMoveStock(sku, stockMoves.restock(delta), { kind: 'admin-adjust', cause });
  if (moved) return moved;
  const now = (await getStock(sku)) ?? levels;
  throw new InventoryBelowCommitted(sku, now.total + delta, now);
}

/** One conditional UpdateItem; undefined when its condition failed. */
async function tryMoveStock(sku: string, move: StockMove, movement: StockMovement, expect?: Partial<StockLevels>): Promise<StockRecord | undefined> {
  const { Update } = stockMoveUpdate(sku, move, movement, expect);
  try {
    const { Attributes } = await retryOnConflict(() => updateItem({ ...Update!, ReturnValues: 'ALL_NEW' }));
    return toStockRecord(sku, Attributes!);
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Throws the error a refused move means for the caller; returns when it would now pass (a race). */
async function explainRefusal(sku: string, move: StockMove): Promise<void> {
  const levels = (await getStock(sku)) ?? EMPTY_STOCK;
  const result = applyMove(levels, move);
  if (!('short' in result)) return;
  if (result.short === 'available') throw new InsufficientStock(sku, -(move.available ?? 0), levels.available);
  throw new StockMoveRefused(sku, result.short, move);
}

/**
 * The stock for an admin write: the existing record (a deleted product's too, so its leftover
 * units can be written off), else a new all-zero one for a catalog SKU; 404 otherwise.
 */
async function stockForAdmin(sku: string): Promise<StockLevels> {
  const stock = await getStock(sku);
  if (stock) return stock;
  await createStockRecord(sku);
  return (await getStock(sku))!;
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

function toSkuInfo(item: Record<string, any>): SkuInfo {
  const { sku, productId, productName, variantName, price } = item;
  return { sku, productId, productName, variantName, price };
}

function toStockRecord(sku: string, item: Record<string, any>): StockRecord {
  const { total = 0, available = 0, held = 0, reserved = 0, sold = 0, version = 0 } = item;
  return { sku, total, available, held, reserved, sold, version };
}
