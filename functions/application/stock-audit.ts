/**
 * The stock auditor's run: for every stocked SKU, the counters against what the carts and orders
 * themselves account for (domain/audit.ts). The two sides are read at different moments, so a
 * SKU that moved in between can look wrong: every SKU found wrong is checked again after
 * `settleMs`, and reported only when it is still wrong and its record did not move meanwhile
 * (its `version`); one that kept moving is listed as unsettled, for the next run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { heldUnitsOf, unitsInOrders } from '../adapters/dynamodb/audit-repository';
import { stockedSkus } from '../adapters/dynamodb/stock-ledger-repository';
import { getStock } from '../adapters/dynamodb/stock-repository';
import { MAX_REPORTED_FINDINGS, stockDiscrepancies, type OrderUnits, type StockAuditReport, type StockDiscrepancy } from '../domain/audit';

/** SKUs checked at once: two small reads each. */
const CONCURRENCY = 16;

interface SkuCheck {
  readonly sku: string;
  readonly version: number;
  readonly found: StockDiscrepancy[];
}

export async function auditStock(settleMs = 2_000): Promise<StockAuditReport & { readonly total: number }> {
  const at = new Date().toISOString();
  const firstOrders = await unitsInOrders();
  let checkedSkus = 0;
  const suspects: SkuCheck[] = [];
  for await (const skus of stockedSkus()) {
    checkedSkus += skus.length;
    for (const check of await inBatches(skus, (sku) => checkSku(sku, firstOrders))) if (check.found.length) suspects.push(check);
  }
  if (suspects.length === 0) return { at, checkedSkus, discrepancies: [], unsettledSkus: [], total: 0 };

  await sleep(settleMs);
  const orders = await unitsInOrders();
  const rechecks = await inBatches(suspects, async (first) => ({ first, again: await checkSku(first.sku, orders) }));
  const confirmed = rechecks.filter(({ first, again }) => again.found.length && again.version === first.version).flatMap(({ again }) => again.found);
  const unsettledSkus = rechecks.filter(({ first, again }) => again.found.length && again.version !== first.version).map(({ first }) => first.sku);
  return { at, checkedSkus, discrepancies: confirmed.slice(0, MAX_REPORTED_FINDINGS), unsettledSkus, total: confirmed.length };
}

/** Counters first, then the carts: a hold placed in between shows up as too few held, never hidden. */
async function checkSku(sku: string, orders: Map<string, OrderUnits>): Promise<SkuCheck> {
  const stock = await getStock(sku);
  const held = await heldUnitsOf(sku);
  if (!stock) return { sku, version: 0, found: [] };
  return { sku, version: stock.version, found: stockDiscrepancies(sku, stock, held, orders.get(sku)) };
}

async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += CONCURRENCY) results.push(...(await Promise.all(items.slice(start, start + CONCURRENCY).map(work))));
  return results;
}
