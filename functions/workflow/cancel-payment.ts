/**
 * `Cancel payment` / `Void payment` (compensations, retried by the state): makes sure the order's
 * PaymentIntent can no longer take money — the order was cancelled before it was paid, or the
 * customer never finished authenticating, or Pay failed. If it succeeded in the meantime, it is
 * refunded. Pay may have failed after Stripe created the intent but before its id was saved, so an
 * order without an id is looked up in Stripe before it counts as never charged.
 */
import { findOrderPaymentIntent, voidPayment } from '../adapters/stripe';
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { logger } from '../shared/logger';
import { observedHandler, useCorrelationId } from '../shared/observability';
import type { Compensation, OrderEvent } from './state';

export const handler = observedHandler(async ({ orderId }: OrderEvent): Promise<Compensation> => {
  const { payment, createdAt, correlationId } = await requireOrder(orderId);
  useCorrelationId(correlationId);
  const paymentIntentId = await findOrderPaymentIntent({ orderId, createdAt, ...payment });
  if (!paymentIntentId) return { paymentStatus: 'canceled' }; // never charged
  const voided = await voidPayment({ orderId, paymentIntentId });
  if (voided.status === 'canceled') return { paymentStatus: 'canceled' };
  // It succeeded just before the cancel (a late 3-D Secure): the money went back.
  logger.warn('Payment succeeded after the order gave up on it; refunded', { orderId, refund: voided.status });
  return { paymentStatus: 'refunded', ...(voided.status === 'refunded' ? { refundId: voided.refundId } : {}) };
});
