/**
 * The stock ledger's items (ledgerKeys): entries written from the table stream (one per stream
 * record), the registry of stocked SKUs the auditor walks, and the ledger page of
 * GET /admin/inventory/{sku}/ledger.
 */
import type { Page } from '../../domain/page';
import { ValidationFailed } from '../../domain/errors';
import type { LedgerEntry, MovementStamp, StockImage } from '../../domain/stock-ledger';
import { ledgerKeys } from './keys';
import { batchWrite, entityTag, isConditionFailure, putItem, query, streamImageItem } from './table';

/** The stock record in a table-stream image, or undefined for any other entity. */
export function stockImageOf(image: Record<string, unknown> | undefined): (StockImage & { sku: string }) | undefined {
  const item = streamImageItem(image, 'STOCK');
  if (!item) return undefined;
  const { sku, total = 0, available = 0, held = 0, reserved = 0, sold = 0, updatedAt, lastMovement } = item;
  return {
    sku,
    levels: { total, available, held, reserved, sold },
    ...(updatedAt ? { updatedAt } : {}),
    ...(lastMovement ? { stamp: lastMovement as MovementStamp } : {}),
  };
}

/** A ledger entry and the sequence number of the stream record it comes from (its key). */
export interface SequencedEntry {
  readonly entry: LedgerEntry;
  readonly sequence: string;
}

/**
 * Writes the entries of a stream batch in BatchWriteItems (25 a call) instead of a PutItem each.
 * A redelivered record puts the same item again under the same key: an entry is derived from its
 * stream record alone, so the rewrite changes nothing, and no condition is needed (BatchWriteItem
 * takes none). Same units as a conditional PutItem each, fewer round trips.
 */
export async function recordLedgerEntries(entries: readonly SequencedEntry[]): Promise<void> {
  const items = entries.map(({ entry, sequence }) => ({ ...ledgerKeys.entry(entry.sku, entry.at, sequence), ...entityTag('LEDGER_ENTRY'), ...entry, sequence }));
  await batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
}

/** Registers a SKU as stocked (once: a second registration changes nothing). */
export async function registerStockedSku(sku: string): Promise<void> {
  try {
    await putItem({
      Item: { ...ledgerKeys.stockedSku(sku), ...entityTag('STOCKED_SKU'), sku, registeredAt: new Date().toISOString() },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Every stocked SKU, page by page (a Query of one partition, never a Scan). */
export async function* stockedSkus(pageSize = 500): AsyncGenerator<string[]> {
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await query({ partition: ledgerKeys.STOCKED_SKUS }, { Limit: pageSize, ExclusiveStartKey: cursor });
    yield (page.Items ?? []).map((item) => item.sku as string);
    cursor = page.LastEvaluatedKey;
  } while (cursor);
}

/** One page of a SKU's ledger, newest first; the cursor is the last shown entry's sort key. */
export async function listLedger(sku: string, page: { limit: number; cursor?: string }): Promise<Page<LedgerEntry>> {
  const partition = ledgerKeys.partition(sku);
  const { Items = [] } = await query(
    { partition },
    {
      ScanIndexForward: false,
      Limit: page.limit + 1, // one more tells whether another page exists
      ExclusiveStartKey: page.cursor ? { pk: partition, sk: decodeCursor(page.cursor) } : undefined,
    },
  );
  const shown = Items.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    items: shown.map(toEntry),
    nextCursor: Items.length > page.limit && last ? Buffer.from(last.sk as string).toString('base64url') : null,
  };
}

const SORT_KEY = /^\d{4}-\d\d-\d\dT[\d:.]+Z#\d{40}$/;

function decodeCursor(cursor: string): string {
  const sortKey = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!SORT_KEY.test(sortKey)) {
    throw new ValidationFailed([{ in: 'query', path: 'cursor', message: 'Not a cursor of this list' }], 'The request query is invalid.');
  }
  return sortKey;
}

function toEntry(item: Record<string, any>): LedgerEntry {
  const { sku, at, kind, delta, after, cause } = item;
  return { sku, at, kind, delta, after, cause };
}
