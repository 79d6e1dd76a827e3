/** The Stripe adapter: the only module of functions/ that talks to Stripe. */
export { stripeClient } from './client';
export { ensureCustomer, createStripeCustomer, type CustomerDetails } from './customers';
export {
  InvalidWebhookSignature,
  PaymentIdempotencyConflict,
  PaymentProviderError,
  PaymentProviderMisconfigured,
  PaymentProviderUnavailable,
  PaymentRequestRejected,
} from './errors';
export {
  createSetupIntent,
  detachPaymentMethod,
  listPaymentMethods,
  resolvePaymentMethod,
  type CreateSetupIntentInput,
  type SetupResult,
} from './payment-methods';
export {
  cancelPayment,
  chargeOrder,
  findOrderPaymentIntent,
  refundOrder,
  retrievePayment,
  voidPayment,
  type ChargeOrderInput,
  type ChargeResult,
  type RefundResult,
} from './payments';
export { findPaymentIntent, listPaymentIntentsSince } from './reconciliation';
export { verifyWebhook } from './webhooks';
