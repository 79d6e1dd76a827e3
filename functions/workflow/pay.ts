/**
 * `Pay` (Lambda, .waitForTaskToken): charges the order's total with its payment method
 * (idempotency key order-<id>-pay, so a retry or a re-run after a restart finds the first
 * PaymentIntent), keeps the PaymentIntent on the order with its link item (and, when 3-D Secure is
 * needed, the client secret and the redirect the customer's client follows), then settles the order
 * and reports through its own task token, so the workflow needs no Choice and no status step:
 * succeeded → PAID (the reservation sold), resumed with the fulfillment request; a decline →
 * PAYMENT_FAILED (the reservation released), failed with PaymentFailed; 3-D Secure → failed with
 * PaymentRequiresAction (`Await authentication` takes over). PaymentProviderUnavailable is retried
 * by the state; a decline is an outcome, not an error of the function.
 */
import { chargeOrder } from '../adapters/stripe';
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { savePaymentIntent, transitionOrder } from '../adapters/dynamodb/order-transitions';
import { failWaitingOrder, resumeWaitingOrder } from '../adapters/sfn/order-workflow';
import { OrderCancelled } from '../domain/order';
import { env } from '../shared/env';
import { logger } from '../shared/logger';
import { observedHandler, useCorrelationId } from '../shared/observability';
import { fulfillmentRequestOf, type PaymentOutcome, type WaitEvent } from './state';

/**
 * The order moved (PAID or PAYMENT_FAILED) but the report through the token failed: the state
 * retries Pay (a re-run finds the order settled and reports again), and never takes it for a
 * failed charge, which would void a payment that went through.
 */
export class PaymentNotReported extends Error {
  override readonly name = 'PaymentNotReported';
}

export const handler = observedHandler(async ({ orderId, taskToken }: WaitEvent): Promise<void> => {
  const payment = await charge(orderId);
  switch (payment.outcome) {
    case 'succeeded': {
      const order = await transitionOrder(orderId, 'PAID', { payment: { status: 'succeeded' } }); // a no-op on a re-run
      return report(() => resumeWaitingOrder(taskToken, fulfillmentRequestOf(order)));
    }
    case 'requires_action':
      return report(() => failWaitingOrder(taskToken, 'PaymentRequiresAction', 'The customer must authenticate the payment'));
    case 'failed': {
      const { declineCode } = payment;
      await transitionOrder(orderId, 'PAYMENT_FAILED', { payment: { status: 'failed', ...(declineCode ? { declineCode } : {}) } });
      return report(() => failWaitingOrder(taskToken, 'PaymentFailed', declineCode ?? 'declined'));
    }
  }
});

/** The charge's outcome: Stripe's answer, or what a previous run already settled the order as. */
async function charge(orderId: string): Promise<PaymentOutcome> {
  const order = await requireOrder(orderId);
  useCorrelationId(order.correlationId);
  switch (order.status) {
    case 'CANCELLED':
      throw new OrderCancelled(orderId); // cancelled before we charged: nothing to take
    case 'PAID':
    case 'FULFILLED':
    case 'COMPLETED':
      return { outcome: 'succeeded' }; // a re-run: report again
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
    correlationId: order.correlationId,
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
}

async function report(send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (error) {
    throw new PaymentNotReported('The payment outcome could not be reported to the workflow', { cause: error });
  }
}
