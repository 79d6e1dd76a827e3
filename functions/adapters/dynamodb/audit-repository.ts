/**
 * What the audit jobs read and keep: the units carts and orders account for (read through the
 * indexes, never a Scan), the orders a reconciliation names, and each job's last report.
 *
 * The stock auditor's reads, and what they cost per run (eventually consistent Query reads,
 * 0.5 RRU per 4 KB read; a ProjectionExpression cuts the bytes returned, not the units):
 * - SKUs: the STOCKED_SKUS partition (stock-ledger-repository.ts), ~40 bytes per SKU;
 * - held: every cart line of each SKU, gsi1 HOLDS#<sku> (~0.5 KB per line), one Query per SKU;
 * - reserved and sold: every order in PENDING, REQUIRES_ACTION, PAID, FULFILLED, COMPLETED and
 *   REFUNDED, gsi2 ORDER_STATUS#<status> (~1-2 KB per order).
 * So a run costs about (SKUs + cart lines + those orders × 2 KB / 4 KB) × 0.5 RRU: for 10,000
 * SKUs, 50,000 cart lines and 200,000 orders about 60,000 RRU, $0.015 on demand, hourly $11 a
 * month. The order term grows with the order history (sold is a sum over every sale ever); at a
 * scale where that matters, settled orders (REFUNDED, and COMPLETED past the refund window)
 * would be folded into a per-SKU checkpoint and only the rest re-read. A table export to S3
 * (no read units, but minutes of latency and an S3 pipeline) was the alternative; the indexes
 * already exist and keep the job one Lambda.
 */
import type { OrderSummary, OrderUnits, PaymentAuditReport, StockAuditReport } from '../../domain/audit';
import { addOrderUnits, CHARGED_ORDER_STATUSES, RESERVING_STATUSES, SELLING_STATUSES } from '../../domain/audit';
import type { OrderStatus } from '../../domain/order';
import { auditKeys, cartKeys, orderKeys, type IndexPartition } from './keys';
import { stockLayoutOf } from './stock-repository';
import { batchGet, entityTag, getItem, isConditionFailure, putItem, queryIndex, updateItem } from './table';

type Item = Record<string, any>;

/** Every item of an index partition, page by page, with only `attributes` returned. */
async function* indexItems(pattern: IndexPartition, attributes: string[], options: { newestFirst?: boolean } = {}): AsyncGenerator<Item> {
  const names = Object.fromEntries(attributes.map((attribute, i) => [`#a${i}`, attribute]));
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await queryIndex(pattern, {
      ProjectionExpression: Object.keys(names).join(', '),
      ExpressionAttributeNames: names,
      ExclusiveStartKey: cursor,
      ...(options.newestFirst ? { ScanIndexForward: false } : {}),
    });
    yield* page.Items ?? [];
    cursor = page.LastEvaluatedKey;
  } while (cursor);
}

/** Per SKU, the units that orders awaiting payment (reserved) and paid or later (sold) account for. */
export async function unitsInOrders(): Promise<Map<string, OrderUnits>> {
  const units = new Map<string, OrderUnits>();
  for (const status of [...RESERVING_STATUSES, ...SELLING_STATUSES]) {
    for await (const order of indexItems(orderKeys.withStatus(status), ['entity', 'status', 'items', 'refund'])) {
      if (order.entity === 'ORDER') addOrderUnits(units, order as Parameters<typeof addOrderUnits>[1]);
    }
  }
  return units;
}

/** The units the SKU's cart lines hold on every stock shard: live ones and expired ones not yet released alike. */
export async function heldUnitsOf(sku: string): Promise<number> {
  let held = 0;
  const { slots } = await stockLayoutOf(sku); // every shard that ever had units, active or not
  for (let shard = 0; shard < slots; shard++) {
    for await (const line of indexItems(cartKeys.holdsOfSku(sku, shard), ['entity', 'quantity'])) if (line.entity === 'CART_ITEM') held += line.quantity as number;
  }
  return held;
}

/** The orders created since `since` that took money (newest first, gsi3), for the reconciler. */
export async function chargedOrdersSince(since: string): Promise<OrderSummary[]> {
  const found: OrderSummary[] = [];
  for await (const order of indexItems(orderKeys.all, ['entity', 'id', 'status', 'payment', 'createdAt'], { newestFirst: true })) {
    if (order.createdAt < since) break;
    if (order.entity === 'ORDER' && CHARGED_ORDER_STATUSES.includes(order.status as OrderStatus)) found.push(summary(order));
  }
  return found;
}

/** The orders of these ids that exist. */
export async function ordersByIds(orderIds: readonly string[]): Promise<OrderSummary[]> {
  const items = await batchGet([...new Set(orderIds)].map(orderKeys.order), { attributes: ['entity', 'id', 'status', 'payment'], consistent: true });
  return items.filter((item) => item.entity === 'ORDER').map(summary);
}

/**
 * Records on a cancelled or failed order that its late-succeeded payment was refunded, so the
 * next run does not refund it again (the refund's idempotency key would make that a no-op anyway).
 */
export async function recordLateRefund(orderId: string, refundId: string | undefined): Promise<void> {
  try {
    await updateItem({
      Key: orderKeys.order(orderId),
      UpdateExpression: 'SET #payment.#status = :refunded, #updatedAt = :now' + (refundId ? ', #payment.#refundId = :refundId' : ''),
      ConditionExpression: '#status IN (:cancelled, :failed)',
      ExpressionAttributeNames: { '#payment': 'payment', '#status': 'status', '#updatedAt': 'updatedAt', ...(refundId ? { '#refundId': 'refundId' } : {}) },
      ExpressionAttributeValues: {
        ':refunded': 'refunded',
        ':now': new Date().toISOString(),
        ':cancelled': 'CANCELLED',
        ':failed': 'PAYMENT_FAILED',
        ...(refundId ? { ':refundId': refundId } : {}),
      },
    });
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

export type AuditJob = 'STOCK' | 'PAYMENTS';

/** Keeps a job's report as its last run. */
export async function saveAuditRun(job: 'STOCK', report: StockAuditReport): Promise<void>;
export async function saveAuditRun(job: 'PAYMENTS', report: PaymentAuditReport): Promise<void>;
export async function saveAuditRun(job: AuditJob, report: StockAuditReport | PaymentAuditReport): Promise<void> {
  await putItem({ Item: { ...auditKeys.lastRun(job), ...entityTag('AUDIT_RUN'), job, report } });
}

/** The last run of each job; null before its first. */
export async function lastAuditRuns(): Promise<{ stock: StockAuditReport | null; payments: PaymentAuditReport | null }> {
  const [stock, payments] = await Promise.all([getItem({ Key: auditKeys.lastRun('STOCK') }), getItem({ Key: auditKeys.lastRun('PAYMENTS') })]);
  return { stock: stock.Item?.report ?? null, payments: payments.Item?.report ?? null };
}

function summary(item: Item): OrderSummary {
  return { id: item.id, status: item.status, payment: { status: item.payment?.status, paymentIntentId: item.payment?.paymentIntentId ?? null } };
}
