/**
 * The payment side of an order action applied without the workflow (order-actions.ts decides
 * when): cancelling or refunding, and settling a payment Stripe reported. Apart from
 * order-actions.ts so that the actions that never touch a payment (fulfil, deliver) do not
 * bundle the Stripe SDK (`npm run bench:cold`).
 */
import type { OrderRecord } from '../adapters/dynamodb/order-repository';
import { savePaymentIntent, transitionOrder } from '../adapters/dynamodb/order-transitions';
import { cancelPayment, findOrderPaymentIntent, refundOrder, voidPayment } from '../adapters/stripe';
import type { WaitFailure } from '../domain/order';

/**
 * Cancels an order without its workflow, as the workflow's compensations would: the payment is
 * cancelled, or refunded if it went through (Stripe idempotency keys order-<id>-cancel and
 * order-<id>-refund, so a retry never refunds twice), then CANCELLED with the stock back. An
 * order whose execution ended inside Pay may not know its PaymentIntent: it is looked up first.
 */
export async function cancelDirectly(order: OrderRecord, reason: WaitFailure, cause: string): Promise<OrderRecord> {
  const paymentIntentId = await findOrderPaymentIntent({ orderId: order.id, createdAt: order.createdAt, ...order.payment });
  const status = paymentIntentId ? await givePaymentBack(order, paymentIntentId) : 'canceled';
  return transitionOrder(order.id, 'CANCELLED', {
    payment: { status, ...(paymentIntentId ? { paymentIntentId } : {}) },
    cancellation: { reason, cause },
  });
}

/** A paid order is refunded at once; any other is voided (cancelled, or refunded if it succeeded meanwhile). */
async function givePaymentBack(order: OrderRecord, paymentIntentId: string): Promise<'canceled' | 'refunded'> {
  const payment = { orderId: order.id, paymentIntentId };
  const given = order.status === 'PAID' ? await refundOrder(payment) : await voidPayment(payment);
  return given.status === 'canceled' ? 'canceled' : 'refunded';
}

/** The outcome of a payment as Stripe reported it (payment_intent.succeeded / .payment_failed). */
export interface PaymentSettlement {
  readonly paymentIntentId: string;
  readonly outcome: 'succeeded' | 'failed';
  readonly declineCode?: string;
}

/**
 * Applies a payment's outcome without the workflow, as its steps would: a success is PAID with
 * the reserved units sold, in the one conditional transaction; a failure first cancels the intent
 * so it cannot succeed later (Void payment), then PAYMENT_FAILED with the reservation released
 * (or PAID after all, when the intent had succeeded meanwhile). An order that never saved its
 * intent (its execution ended inside Pay) keeps it now, so it can be refunded later.
 */
export async function settlePaymentDirectly(order: OrderRecord, settlement: PaymentSettlement): Promise<OrderRecord> {
  const { paymentIntentId, outcome, declineCode } = settlement;
  if (!order.payment.paymentIntentId) await savePaymentIntent(order.id, paymentIntentId);
  if (outcome === 'failed' && (await cancelPayment({ orderId: order.id, paymentIntentId })).status === 'canceled') {
    return transitionOrder(order.id, 'PAYMENT_FAILED', { payment: { status: 'failed', ...(declineCode ? { declineCode } : {}) } });
  }
  return transitionOrder(order.id, 'PAID', { payment: { status: 'succeeded' } });
}
