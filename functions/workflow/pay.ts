/**
 * `Pay`: charges the order's total with its payment method (idempotency key order-<id>-pay, so a
 * retry or a re-run after a restart finds the first PaymentIntent), keeps the PaymentIntent on the
 * order with its link item, and returns the outcome for the `Payment outcome` choice.
 * PaymentProviderUnavailable is retried by the state; a decline is an outcome, not an error.
 */
import { chargeOrder } from '../adapters/stripe';
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { savePaymentIntent } from '../adapters/dynamodb/order-transitions';
import { OrderCancelled } from '../domain/order';
import { logger } from '../shared/logger';
import { observedHandler, useCorrelationId } from '../shared/observability';
import type { OrderEvent, PaymentOutcome } from './state';

export const handler = observedHandler(async ({ orderId }: OrderEvent): Promise<PaymentOutcome> => {
  const order = await requireOrder(orderId);
  useCorrelationId(order.correlationId);
  switch (order.status) {
    case 'CANCELLED':
      throw new OrderCancelled(orderId); // cancelled before we charged: nothing to take
    case 'PAID':
    case 'FULFILLED':
    case 'COMPLETED':
      return { outcome: 'succeeded' }; // a re-run: the next steps are no-ops up to where it stopped
    case 'PAYMENT_FAILED':
      return { outcome: 'failed', ...(order.payment.declineCode ? { declineCode: order.payment.declineCode } : {}) };
    default:
      break;
  }
  const result = await chargeOrder({
    orderId,
    amount: order.total.amount,
    currency: order.total.currency,
    paymentMethodId: order.payment.paymentMethodId,
    correlationId: order.correlationId,
    ...(order.payment.stripeCustomerId ? { stripeCustomerId: order.payment.stripeCustomerId } : {}),
  });
  if (result.paymentIntentId) await savePaymentIntent(orderId, result.paymentIntentId);
  logger.info('Order charged', { orderId, outcome: result.status, paymentIntentId: result.paymentIntentId });
  if (result.status === 'failed') return { outcome: 'failed', declineCode: result.declineCode ?? result.failureCode };
  return { outcome: result.status };
});
