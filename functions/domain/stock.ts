/**
 * Stock of one SKU as plain numbers, and the moves between its buckets. Pure: no I/O.
 *
 * Invariant, at every moment: available + held + reserved + sold == total, none negative.
 * Every change is a StockMove (a delta per field). A move between buckets sums to zero, so it
 * keeps the invariant by construction; only a restock also moves `total`, by the same delta as
 * `available`. The repository turns a move into one conditional update whose condition is
 * `field >= -delta` for every field the move decreases, so no bucket can ever go negative.
 */
import * as z from '../shared/zod';
import type { inventorySchema } from '../contract/inventory';
import { skuSchema } from './catalog';
import { Conflict } from './errors';

export interface StockLevels {
  readonly total: number;
  readonly available: number;
  readonly held: number;
  readonly reserved: number;
  readonly sold: number;
}

export type StockField = keyof StockLevels;
export type StockMove = Readonly<Partial<Record<StockField, number>>>;

export const STOCK_FIELDS: readonly StockField[] = ['total', 'available', 'held', 'reserved', 'sold'];
const BUCKETS: readonly StockField[] = ['available', 'held', 'reserved', 'sold'];

export const EMPTY_STOCK: StockLevels = { total: 0, available: 0, held: 0, reserved: 0, sold: 0 };

/** The named moves of the stock lifecycle; `quantity` is always positive. */
export const stockMoves = {
  /** A cart places a soft hold. */
  hold: (quantity: number): StockMove => ({ available: -quantity, held: quantity }),
  /** A hold is removed, shrunk or expires. */
  releaseHold: (quantity: number): StockMove => ({ held: -quantity, available: quantity }),
  /** Checkout turns a cart's hold into a reservation. */
  reserveHeld: (quantity: number): StockMove => ({ held: -quantity, reserved: quantity }),
  /** Reservation straight from available stock (an order without a prior hold). */
  reserve: (quantity: number): StockMove => ({ available: -quantity, reserved: quantity }),
  /** Payment succeeded. */
  sell: (quantity: number): StockMove => ({ reserved: -quantity, sold: quantity }),
  /** Payment failed or the order was cancelled before payment. */
  releaseReservation: (quantity: number): StockMove => ({ reserved: -quantity, available: quantity }),
  /** A paid order is cancelled or refunded and its goods go back on the shelf. */
  returnSold: (quantity: number): StockMove => ({ sold: -quantity, available: quantity }),
  /** The merchant receives (delta > 0) or writes off (delta < 0) goods. */
  restock: (delta: number): StockMove => ({ total: delta, available: delta }),
};

/** True when the move keeps `available + held + reserved + sold == total`. */
export function isBalanced(move: StockMove): boolean {
  const buckets = BUCKETS.reduce((sum, field) => sum + (move[field] ?? 0), 0);
  return buckets === (move.total ?? 0) && Object.values(move).every((d) => Number.isInteger(d));
}

/** The minimum each field must have before the move: `-delta` for every decreased field. */
export function guardsOf(move: StockMove): Partial<Record<StockField, number>> {
  const guards: Partial<Record<StockField, number>> = {};
  for (const field of STOCK_FIELDS) {
    const delta = move[field] ?? 0;
    if (delta < 0) guards[field] = -delta;
  }
  return guards;
}

/** The levels after the move, or the first field that would go negative. */
export function applyMove(levels: StockLevels, move: StockMove): { levels: StockLevels } | { short: StockField } {
  const next = { ...levels };
  for (const field of STOCK_FIELDS) next[field] = levels[field] + (move[field] ?? 0);
  const short = STOCK_FIELDS.find((field) => next[field] < 0);
  return short ? { short } : { levels: next };
}

/** Every way the levels break the invariant; empty when they are consistent. */
export function invariantViolations(levels: StockLevels): string[] {
  const violations = STOCK_FIELDS.filter((f) => !Number.isInteger(levels[f]) || levels[f] < 0).map(
    (f) => `${f} is ${levels[f]}`,
  );
  const sum = levels.available + levels.held + levels.reserved + levels.sold;
  if (sum !== levels.total) violations.push(`available + held + reserved + sold = ${sum}, total = ${levels.total}`);
  return violations;
}

/** Units the merchant can no longer take back: in carts, in orders under way, or sold. */
export const committedOf = (levels: StockLevels) => levels.held + levels.reserved + levels.sold;

/** 409: the merchant asked for fewer units than are already held, reserved or sold. */
export class InventoryBelowCommitted extends Conflict {
  constructor(sku: string, requestedTotal: number, levels: StockLevels) {
    const committed = committedOf(levels);
    super(
      'INVENTORY_BELOW_COMMITTED',
      `${sku} has ${committed} units held, reserved or sold; the total cannot go to ${requestedTotal}.`,
      [{ sku, requestedTotal, committed, held: levels.held, reserved: levels.reserved, sold: levels.sold }],
    );
  }
}

/** 409: a workflow move found its source bucket short (e.g. selling more than is reserved). */
export class StockMoveRefused extends Conflict {
  constructor(sku: string, field: StockField, move: StockMove) {
    super('STOCK_MOVE_REFUSED', `The stock of ${sku} has too little ${field} for this change.`, [{ sku, field, move }]);
  }
}

/**
 * Sharded stock: a hot SKU's units split over N shard records (1..MAX_STOCK_SHARDS), each with
 * its own levels and its own invariant, so N items' write budgets serve one SKU. Every hold
 * takes from one shard and every later move of those units happens on that same shard.
 */
export const MAX_STOCK_SHARDS = 32;

/** The levels of many shards as one SKU's: the sum, which keeps the invariant when each shard does. */
export function sumLevels(shards: readonly StockLevels[]): StockLevels {
  const sum = { ...EMPTY_STOCK };
  for (const levels of shards) for (const field of STOCK_FIELDS) sum[field] += levels[field];
  return sum;
}

/**
 * The total of each shard after a merchant sets the SKU to `total` units over `shards` active
 * shards: every shard keeps its committed units (held, reserved, sold: they belong to carts and
 * orders that name the shard), and the units on the shelf are spread evenly over the active
 * shards; a shard beyond them (re-sharded down) keeps only its committed units. So re-sharding
 * moves `available` alone, and is safe while holds exist. Index i is shard i; new shards are 0s.
 * @throws InventoryBelowCommitted when `total` is below the committed units
 */
export function planShardTotals(sku: string, current: readonly StockLevels[], total: number, shards: number): number[] {
  const slots = Math.max(current.length, shards);
  const committed = Array.from({ length: slots }, (_, i) => (current[i] ? committedOf(current[i]) : 0));
  const onShelf = total - committed.reduce((a, b) => a + b, 0);
  if (onShelf < 0) throw new InventoryBelowCommitted(sku, total, sumLevels(current));
  const share = (i: number) => (i < shards ? Math.floor(onShelf / shards) + (i < onShelf % shards ? 1 : 0) : 0);
  return committed.map((units, i) => units + share(i));
}

/** Request schemas of the admin inventory routes. */
const MAX_UNITS = 1_000_000_000;
export const inventoryParamsSchema = z.object({ sku: skuSchema });
export const setInventorySchema = z.object({
  total: z.number().check(z.int(), z.gte(0), z.lte(MAX_UNITS)),
  /** Stock shards for a hot SKU (a flash sale); omitted keeps the SKU's current count. */
  shards: z.optional(z.number().check(z.int(), z.gte(1), z.lte(MAX_STOCK_SHARDS))),
});
export const adjustInventorySchema = z.object({ delta: z.number().check(z.int(), z.gte(-MAX_UNITS), z.lte(MAX_UNITS)) });

/** The contract's inventory view (functions/contract/inventory.ts): the SKU's summed levels and its shard count (1 when unsharded). */
export const inventoryView = (sku: string, levels: StockLevels & { readonly shards: number }): z.output<typeof inventorySchema> => ({
  sku,
  total: levels.total,
  available: levels.available,
  held: levels.held,
  reserved: levels.reserved,
  sold: levels.sold,
  shards: levels.shards,
});
