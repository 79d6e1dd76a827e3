/**
 * The payment reconciler's run: the PaymentIntents Stripe created in the window, against the
 * orders they name and the window's orders that took money (domain/audit.ts reconcilePayments).
 * It repairs through the same paths the workflow and the webhook consumer use, so it is safe to
 * run twice or while they run:
 * - a succeeded payment whose order still waits: settleOrderPayment, exactly what the webhook
 *   would have done (resumes the waiting workflow, or applies PAID directly once no execution
 *   drives the order); an order whose workflow is still charging it is left to the workflow;
 * - a succeeded payment of a cancelled or failed order: refunded (key order-<id>-refund, one
 *   refund per order whoever asks), and the refund recorded on the order.
 * What it cannot put right (paid without payment, payment without order, a second charge) is
 * reported for an operator.
 */
import { chargedOrdersSince, ordersByIds, recordLateRefund } from '../adapters/dynamodb/audit-repository';
import { findPaymentIntent, listPaymentIntentsSince, refundOrder } from '../adapters/stripe';
import { MAX_REPORTED_FINDINGS, reconcilePayments, type IntentSummary, type OrderSummary, type PaymentAuditReport, type PaymentRepair } from '../domain/audit';
import { settleOrderPayment } from './payment-settlement';

type Repaired = PaymentAuditReport['repaired'][number];

export async function reconcilePaymentsSince(windowSeconds: number, now = new Date()): Promise<PaymentAuditReport & { readonly total: number }> {
  const since = new Date(now.getTime() - windowSeconds * 1000);
  // Orders before intents: an order charged between the two reads has its intent in the list.
  const charged = await chargedOrdersSince(since.toISOString());
  const intents = await listPaymentIntentsSince(Math.floor(since.getTime() / 1000));
  const orders = await ordersOf(intents, charged);
  const all = [...intents, ...(await intentsMissingFromList(intents, charged))];
  const { repairs, discrepancies } = reconcilePayments(all, orders);
  const repaired: Repaired[] = [];
  const inProgress: string[] = [];
  for (const repair of repairs) {
    const done = await applyRepair(repair);
    if (done === 'busy') inProgress.push(repair.orderId);
    else if (done) repaired.push({ action: done, orderId: repair.orderId, paymentIntentId: repair.paymentIntentId });
  }
  return {
    at: now.toISOString(),
    since: since.toISOString(),
    checkedPaymentIntents: intents.length,
    repaired,
    discrepancies: discrepancies.slice(0, MAX_REPORTED_FINDINGS),
    inProgress,
    total: discrepancies.length,
  };
}

/** Every order an intent names, plus the window's charged orders (read again, consistently). */
async function ordersOf(intents: readonly IntentSummary[], charged: readonly OrderSummary[]): Promise<Map<string, OrderSummary>> {
  const ids = [...intents.flatMap((intent) => (intent.orderId ? [intent.orderId] : [])), ...charged.map((order) => order.id)];
  return new Map((await ordersByIds(ids)).map((order) => [order.id, order]));
}

/** The saved intents of charged orders that the window's list lacks (Stripe's clock ahead of ours, say). */
async function intentsMissingFromList(intents: readonly IntentSummary[], charged: readonly OrderSummary[]): Promise<IntentSummary[]> {
  const listed = new Set(intents.map((intent) => intent.id));
  const missing = charged.flatMap((order) => (order.payment.paymentIntentId && !listed.has(order.payment.paymentIntentId) ? [order.payment.paymentIntentId] : []));
  const found = await Promise.all(missing.map(findPaymentIntent));
  return found.filter((intent): intent is IntentSummary => intent !== undefined);
}

/** What the repair did; undefined when there was nothing left to do (someone else got there first). */
async function applyRepair(repair: PaymentRepair): Promise<Repaired['action'] | 'busy' | undefined> {
  if (repair.action === 'refund') {
    const refund = await refundOrder({ orderId: repair.orderId, paymentIntentId: repair.paymentIntentId });
    await recordLateRefund(repair.orderId, refund.status === 'refunded' ? refund.refundId : undefined);
    return 'refunded';
  }
  const done = await settleOrderPayment({ paymentIntentId: repair.paymentIntentId, outcome: 'succeeded' }, repair.orderId, 1);
  if (done === 'busy') return 'busy';
  if (done.startsWith('applied:')) return 'settled';
  if (done.startsWith('resumed:')) return 'resumed';
  return undefined;
}
