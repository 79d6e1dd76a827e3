/**
 * The stock ledger of a SKU: one immutable entry per change of its stock record, derived from the
 * table stream (functions/queue/record-stock-ledger.ts), so no movement can be missed, however
 * it was written. Every stock update stamps what moved it (`lastMovement`, a StockMovement) on
 * the record; the stream's old and new images give the deltas. An update that carries no new
 * stamp (a write outside the repository, e.g. an operator's console edit) still gets its entry,
 * as `unattributed`. So the entries of a SKU always sum to its counters. Pure: no I/O.
 */
import * as z from '../shared/zod';
import { skuSchema } from './catalog';
import { listQuerySchema } from './customer';
import { EMPTY_STOCK, STOCK_FIELDS, type StockLevels } from './stock';

/** What moved the stock. */
export const MOVEMENT_KINDS = [
  'hold', // a cart line placed or grew its soft hold
  'hold-release', // the customer removed or shrank the line, or checkout dropped it
  'hold-expiry', // an expired hold went back (sweeper, an add that found stock short, TTL removal)
  'reservation', // checkout turned the line into the order's reservation
  'sale', // the order's payment succeeded
  'payment-failure', // the payment failed: the reservation went back
  'cancellation', // the order was cancelled: its reservation or sold units went back
  'refund-restock', // a return after shipping put the units back on the shelf
  'admin-set', // PUT /admin/inventory/{sku}
  'admin-adjust', // POST /admin/inventory/{sku}/adjust
  'shard-rebalance', // units moved between a SKU's stock shards (gathered for a hold); sums to zero
  'unattributed', // a write that did not stamp itself (nothing of ours does)
] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/** Who or what caused a movement: a cart line, an order, or a member of staff and their request. */
export interface MovementCause {
  readonly customerId?: string;
  readonly holdId?: string;
  readonly orderId?: string;
  readonly admin?: string;
  readonly requestId?: string;
}

/** What a stock update stamps on the record. */
export interface StockMovement {
  readonly kind: Exclude<MovementKind, 'unattributed'>;
  readonly cause: MovementCause;
}

/** The stamp as stored: the movement with an id of its own, so an unstamped write is told apart. */
export interface MovementStamp extends StockMovement {
  readonly id: string;
}

export type StockDelta = Readonly<Record<keyof StockLevels, number>>;

export interface LedgerEntry {
  readonly sku: string;
  /** When the movement happened (the record's updatedAt, else the stream record's time). */
  readonly at: string;
  readonly kind: MovementKind;
  readonly delta: StockDelta;
  /** The counters right after the movement. */
  readonly after: StockLevels;
  readonly cause: MovementCause;
}

/** The stock record's side of a stream record: its images reduced to what the ledger reads. */
export interface StockImage {
  readonly levels: StockLevels;
  readonly updatedAt?: string;
  readonly stamp?: MovementStamp;
}

/**
 * The entry a change of the stock record makes, or undefined when no counter moved (the record
 * was created empty, or only its stamp or timestamps changed).
 */
export function ledgerEntryOf(sku: string, before: StockImage | undefined, after: StockImage | undefined, streamTime: string): LedgerEntry | undefined {
  const from = before?.levels ?? EMPTY_STOCK;
  const to = after?.levels ?? EMPTY_STOCK;
  const delta = Object.fromEntries(STOCK_FIELDS.map((field) => [field, to[field] - from[field]])) as Record<keyof StockLevels, number>;
  if (STOCK_FIELDS.every((field) => delta[field] === 0)) return undefined;
  const stamp = after?.stamp;
  const stamped = stamp !== undefined && stamp.id !== before?.stamp?.id;
  return {
    sku,
    at: after?.updatedAt ?? streamTime,
    kind: stamped ? stamp.kind : 'unattributed',
    delta,
    after: to,
    cause: stamped ? stamp.cause : {},
  };
}

/** The counters the entries add up to (what the SKU's stock record must show). */
export function sumLedger(entries: readonly Pick<LedgerEntry, 'delta'>[]): StockLevels {
  const sum = { ...EMPTY_STOCK };
  for (const { delta } of entries) for (const field of STOCK_FIELDS) sum[field] += delta[field];
  return sum;
}

/** GET /admin/inventory/{sku}/ledger: `?limit=&cursor=`, newest first. */
export const ledgerParamsSchema = z.object({ sku: skuSchema });
export const ledgerQuerySchema = listQuerySchema;

const levelsSchema = z.object({ total: z.number().check(z.int()), available: z.number().check(z.int()), held: z.number().check(z.int()), reserved: z.number().check(z.int()), sold: z.number().check(z.int()) });

/** One ledger entry as the route answers it. */
export const ledgerEntrySchema = z.object({
  sku: z.string(),
  at: z.string(),
  kind: z.enum(MOVEMENT_KINDS),
  delta: levelsSchema,
  after: levelsSchema,
  cause: z.object({
    customerId: z.optional(z.string()),
    holdId: z.optional(z.string()),
    orderId: z.optional(z.string()),
    admin: z.optional(z.string()),
    requestId: z.optional(z.string()),
  }),
});

/** The contract's view of an entry: picks its fields, so stored keys never leak. */
export function ledgerEntryView(entry: LedgerEntry): z.infer<typeof ledgerEntrySchema> {
  const { sku, at, kind, delta, after, cause } = entry;
  return { sku, at, kind, delta: { ...delta }, after: { ...after }, cause: { ...cause } };
}
