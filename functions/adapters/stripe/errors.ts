import Stripe from 'stripe';
import { AppError } from '../../domain/errors';

/**
 * What can go wrong talking to Stripe, as the rest of the code needs to tell it apart. A card
 * decline is not here: it is a payment result (see payments.ts). Each class sets `name` (which
 * Step Functions matches in Retry/Catch) and keeps the Stripe error as `cause`.
 */
export class PaymentProviderError extends AppError {
  constructor(
    code: string,
    statusCode: number,
    message: string,
    /** True when the same call may succeed later (Step Functions should retry). */
    readonly retryable: boolean,
    cause?: unknown,
  ) {
    super(code, statusCode, message, [], { cause });
  }
}

/** Stripe could not be reached or answered 5xx / 429 / lock timeout: retry with the same key. */
export class PaymentProviderUnavailable extends PaymentProviderError {
  constructor(cause?: unknown) {
    super('PAYMENT_PROVIDER_UNAVAILABLE', 503, 'The payment provider is unavailable; try again shortly.', true, cause);
  }
}

/** Stripe refused the request itself (an unknown payment method, a refund larger than the charge …). */
export class PaymentRequestRejected extends PaymentProviderError {
  constructor(
    message: string,
    /** Stripe's error code, e.g. `resource_missing`, `amount_too_large`. */
    readonly stripeCode: string | undefined,
    readonly param: string | undefined,
    cause?: unknown,
  ) {
    super('PAYMENT_REQUEST_REJECTED', 400, message, false, cause);
  }
}

/** An idempotency key reused with different parameters: a bug in how keys are derived. */
export class PaymentIdempotencyConflict extends PaymentProviderError {
  constructor(cause?: unknown) {
    super('PAYMENT_IDEMPOTENCY_CONFLICT', 409, 'This payment was already attempted with different details.', false, cause);
  }
}

/** Missing or wrong keys: nothing a retry fixes. The public message stays generic; the reason is the cause. */
export class PaymentProviderMisconfigured extends PaymentProviderError {
  constructor(reason: string, cause?: unknown) {
    super('PAYMENT_PROVIDER_MISCONFIGURED', 500, 'Payments are not configured correctly.', false, new Error(reason, { cause }));
  }
}

/** A webhook whose Stripe-Signature does not verify (or is too old). */
export class InvalidWebhookSignature extends AppError {
  constructor(cause?: unknown) {
    super('INVALID_SIGNATURE', 400, 'The Stripe-Signature header does not verify.', [], { cause });
  }
}

/** Translates an error thrown by the stripe SDK; card errors are the caller's to handle first. */
export function toPaymentError(error: unknown): Error {
  const { errors } = Stripe;
  if (error instanceof PaymentProviderError) return error;
  if (!(error instanceof errors.StripeError)) return error instanceof Error ? error : new Error(String(error));
  if (error instanceof errors.StripeConnectionError || error instanceof errors.StripeAPIError || error instanceof errors.StripeRateLimitError) {
    return new PaymentProviderUnavailable(error);
  }
  if (error instanceof errors.StripeAuthenticationError || error instanceof errors.StripePermissionError) {
    return new PaymentProviderMisconfigured(`Stripe refused the API key: ${error.message}`, error);
  }
  if (error instanceof errors.StripeIdempotencyError) return new PaymentIdempotencyConflict(error);
  return new PaymentRequestRejected(error.message, error.code, error.param, error);
}

/** Stripe's card_error, which several operations turn into a result rather than a throw. */
export function isCardError(error: unknown): error is InstanceType<typeof Stripe.errors.StripeCardError> {
  return error instanceof Stripe.errors.StripeCardError;
}

/** Stripe's 404-style answer for an id that does not exist. */
export function isMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
}
