/**
 * The two audits, as pure rules (no I/O): the stock auditor recomputes each SKU's held, reserved
 * and sold from the carts and orders themselves and compares them with the counters; the payment
 * reconciler compares Stripe's PaymentIntents with the orders and decides what to repair and what
 * to raise. The jobs that run them are functions/queue/audit-stock.ts and reconcile-payments.ts.
 */
import * as z from '../shared/zod';
import type { Order, OrderStatus } from './order';
import { invariantViolations, type StockLevels } from './stock';

// --- stock -----------------------------------------------------------------------------------

/** The buckets the auditor recomputes; `invariant` is a record whose own counters disagree. */
export type AuditedBucket = 'held' | 'reserved' | 'sold' | 'invariant';

export interface StockDiscrepancy {
  readonly sku: string;
  readonly bucket: AuditedBucket;
  /** What the stock record says (for `invariant`: available + held + reserved + sold). */
  readonly counter: number;
  /** What the carts and orders say (for `invariant`: the record's total). */
  readonly recomputed: number;
}

/** The units of one SKU that orders account for. */
export interface OrderUnits {
  reserved: number;
  sold: number;
}

/** The statuses whose orders account for stock: awaiting payment (reserved), paid and later (sold). */
export const RESERVING_STATUSES: readonly OrderStatus[] = ['PENDING', 'REQUIRES_ACTION'];
export const SELLING_STATUSES: readonly OrderStatus[] = ['PAID', 'FULFILLED', 'COMPLETED', 'REFUNDED'];

/** Adds one order's lines to the per-SKU units: a restocked return gave its units back. */
export function addOrderUnits(units: Map<string, OrderUnits>, order: Pick<Order, 'status' | 'items' | 'refund'>): void {
  const bucket = RESERVING_STATUSES.includes(order.status) ? 'reserved' : SELLING_STATUSES.includes(order.status) ? 'sold' : undefined;
  if (!bucket || (order.status === 'REFUNDED' && order.refund?.restock)) return;
  for (const { sku, quantity } of order.items) {
    const entry = units.get(sku) ?? { reserved: 0, sold: 0 };
    entry[bucket] += quantity;
    units.set(sku, entry);
  }
}

/** Every way the SKU's counters disagree with what carts (`held`) and orders account for. */
export function stockDiscrepancies(sku: string, counters: StockLevels, held: number, orders: OrderUnits | undefined): StockDiscrepancy[] {
  const recomputed = { held, reserved: orders?.reserved ?? 0, sold: orders?.sold ?? 0 };
  const found: StockDiscrepancy[] = (['held', 'reserved', 'sold'] as const)
    .filter((bucket) => counters[bucket] !== recomputed[bucket])
    .map((bucket) => ({ sku, bucket, counter: counters[bucket], recomputed: recomputed[bucket] }));
  if (invariantViolations(counters).length) {
    const sum = counters.available + counters.held + counters.reserved + counters.sold;
    found.push({ sku, bucket: 'invariant', counter: sum, recomputed: counters.total });
  }
  return found;
}

// --- payments --------------------------------------------------------------------------------

/** A PaymentIntent as the reconciler reads it. */
export interface IntentSummary {
  readonly id: string;
  readonly status: string;
  readonly orderId?: string;
  readonly amount: number;
}

/** An order as the reconciler reads it. */
export type OrderSummary = Pick<Order, 'id' | 'status'> & { readonly payment: Pick<Order['payment'], 'status' | 'paymentIntentId'> };

export type PaymentRepair =
  /** A succeeded payment whose order still waits for it: settle it as the webhook would have. */
  | { readonly action: 'settle'; readonly orderId: string; readonly paymentIntentId: string }
  /** A succeeded payment of an order that was cancelled or failed: give the money back. */
  | { readonly action: 'refund'; readonly orderId: string; readonly paymentIntentId: string };

export type PaymentDiscrepancyKind = 'PAID_WITHOUT_PAYMENT' | 'PAYMENT_WITHOUT_ORDER' | 'DUPLICATE_CHARGE';

export interface PaymentDiscrepancy {
  readonly kind: PaymentDiscrepancyKind;
  readonly orderId: string | null;
  readonly paymentIntentIds: string[];
  readonly detail: string;
}

/** Statuses of an order that took money: each needs a succeeded PaymentIntent. */
const CHARGED_STATUSES: readonly OrderStatus[] = ['PAID', 'FULFILLED', 'COMPLETED', 'REFUNDED'];
const AWAITING_PAYMENT: readonly OrderStatus[] = ['PENDING', 'REQUIRES_ACTION'];
const GAVE_UP: readonly OrderStatus[] = ['CANCELLED', 'PAYMENT_FAILED'];

/**
 * What the intents and the orders they name mean: repairs for what can be put right, and
 * discrepancies for an operator. `orders` holds every order an intent names (absent: none
 * exists) and every charged order of the window (whose intents are in `intents` when Stripe has them).
 */
export function reconcilePayments(
  intents: readonly IntentSummary[],
  orders: ReadonlyMap<string, OrderSummary>,
): { repairs: PaymentRepair[]; discrepancies: PaymentDiscrepancy[] } {
  const repairs: PaymentRepair[] = [];
  const discrepancies: PaymentDiscrepancy[] = [];
  const succeededByOrder = new Map<string, string[]>();
  for (const intent of intents) {
    if (intent.status !== 'succeeded') continue;
    if (!intent.orderId || !orders.has(intent.orderId)) {
      discrepancies.push({
        kind: 'PAYMENT_WITHOUT_ORDER',
        orderId: intent.orderId ?? null,
        paymentIntentIds: [intent.id],
        detail: intent.orderId ? `Payment ${intent.id} names order ${intent.orderId}, which does not exist.` : `Payment ${intent.id} names no order.`,
      });
      continue;
    }
    succeededByOrder.set(intent.orderId, [...(succeededByOrder.get(intent.orderId) ?? []), intent.id]);
  }
  for (const order of orders.values()) {
    const succeeded = succeededByOrder.get(order.id) ?? [];
    if (succeeded.length > 1) {
      discrepancies.push({ kind: 'DUPLICATE_CHARGE', orderId: order.id, paymentIntentIds: succeeded, detail: `Order ${order.id} was charged ${succeeded.length} times.` });
    }
    const paid = succeeded.find((id) => id === order.payment.paymentIntentId) ?? succeeded[0];
    if (paid && AWAITING_PAYMENT.includes(order.status)) repairs.push({ action: 'settle', orderId: order.id, paymentIntentId: paid });
    if (paid && GAVE_UP.includes(order.status) && order.payment.status !== 'refunded') {
      repairs.push({ action: 'refund', orderId: order.id, paymentIntentId: paid });
    }
    if (!paid && CHARGED_STATUSES.includes(order.status)) {
      discrepancies.push({
        kind: 'PAID_WITHOUT_PAYMENT',
        orderId: order.id,
        paymentIntentIds: order.payment.paymentIntentId ? [order.payment.paymentIntentId] : [],
        detail: `Order ${order.id} is ${order.status} but Stripe has no succeeded payment for it.`,
      });
    }
  }
  return { repairs, discrepancies };
}

/** Statuses the reconciler reads from the window's orders: they must show a succeeded payment. */
export const CHARGED_ORDER_STATUSES = CHARGED_STATUSES;

// --- GET /admin/audit ------------------------------------------------------------------------

export const stockDiscrepancySchema = z.object({
  sku: z.string(),
  bucket: z.enum(['held', 'reserved', 'sold', 'invariant']),
  counter: z.number().check(z.int()),
  recomputed: z.number().check(z.int()),
});

export const stockAuditReportSchema = z.object({
  at: z.string(),
  checkedSkus: z.number().check(z.int()),
  discrepancies: z.array(stockDiscrepancySchema),
  /** SKUs whose stock kept moving while they were checked: checked again by the next run. */
  unsettledSkus: z.array(z.string()),
});
export type StockAuditReport = z.infer<typeof stockAuditReportSchema>;

export const paymentRepairSchema = z.object({
  action: z.enum(['settled', 'resumed', 'refunded']),
  orderId: z.string(),
  paymentIntentId: z.string(),
});

export const paymentDiscrepancySchema = z.object({
  kind: z.enum(['PAID_WITHOUT_PAYMENT', 'PAYMENT_WITHOUT_ORDER', 'DUPLICATE_CHARGE']),
  orderId: z.nullable(z.string()),
  paymentIntentIds: z.array(z.string()),
  detail: z.string(),
});

export const paymentAuditReportSchema = z.object({
  at: z.string(),
  /** The window of PaymentIntents compared, by their creation time. */
  since: z.string(),
  checkedPaymentIntents: z.number().check(z.int()),
  repaired: z.array(paymentRepairSchema),
  discrepancies: z.array(paymentDiscrepancySchema),
  /** Orders whose workflow was still charging them: left to it, looked at again next run. */
  inProgress: z.array(z.string()),
});
export type PaymentAuditReport = z.infer<typeof paymentAuditReportSchema>;

/** GET /admin/audit: the last run of each job, null before its first. */
export const auditReportSchema = z.object({ stock: z.nullable(stockAuditReportSchema), payments: z.nullable(paymentAuditReportSchema) });

/** At most this many findings are kept per report (the metric counts them all). */
export const MAX_REPORTED_FINDINGS = 200;
