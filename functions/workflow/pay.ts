/**
 * `Pay`: charges the order's total with its payment method (idempotency key order-<id>-pay, so a
 * retry or a re-run after a restart finds the first PaymentIntent), keeps the PaymentIntent on the
 * order with its link item (and, when 3-D Secure is needed, the client secret and the redirect the
 * customer's client follows), and returns the outcome for the `Payment outcome` choice.
 * PaymentProviderUnavailable is retried by the state; a decline is an outcome, not an error.
 */
import { chargeOrder } from '../adapters/stripe';
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { savePaymentIntent } from '../adapters/dynamodb/order-transitions';
import { OrderCancelled } from '../domain/order';
import { env } from '../shared/env';
import { logger } from '../shared/logger';
import type { OrderEvent, PaymentOutcome } from './state';

export const handler = async ({ orderId }: OrderEvent): Promise<PaymentOutcome> => {
  const order = await requireOrder(orderId);
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
  const returnUrl = env.paymentReturnUrl(orderId);
  const result = await chargeOrder({
    orderId,
    amount: order.total.amount,
    currency: order.total.currency,
    paymentMethodId: order.payment.paymentMethodId,
    ...(order.payment.stripeCustomerId ? { stripeCustomerId: order.payment.stripeCustomerId } : {}),
    // On session: the customer has just checked out, so 3-D Secure sends them to the bank's page and back to the storefront.
    ...(returnUrl ? { returnUrl } : {}),
  });
  // What the owner's client needs to finish 3-D Secure (the owner's order view shows it while REQUIRES_ACTION).
  const authentication =
    result.status === 'requires_action' && result.clientSecret
      ? { clientSecret: result.clientSecret, ...(result.redirectUrl ? { nextAction: { type: 'redirect_to_url' as const, url: result.redirectUrl } } : {}) }
      : undefined;
  if (result.paymentIntentId) await savePaymentIntent(orderId, result.paymentIntentId, authentication);
  logger.info('Order charged', { orderId, outcome: result.status, paymentIntentId: result.paymentIntentId });
  if (result.status === 'failed') return { outcome: 'failed', declineCode: result.declineCode ?? result.failureCode };
  return { outcome: result.status };
};
