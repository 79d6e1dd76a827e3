import type Stripe from 'stripe';
import { stripeClient } from './client';
import { isCardError, PaymentRequestRejected, toPaymentError } from './errors';
import { withFreshKeys } from './idempotency';

/**
 * Charging, refunding and cancelling the payment of an order. Every call carries an
 * idempotency key derived from the order id, so a workflow step retried after a lost response
 * (or the SDK's own retries) finds the first PaymentIntent instead of charging again. After a
 * 500, which Stripe replays to its key, idempotency.ts moves on to `<key>~2`, `<key>~3` … once
 * Stripe shows the work did not happen.
 *
 * | call          | idempotency key                                  |
 * | ------------- | ------------------------------------------------ |
 * | chargeOrder   | `order-<orderId>-pay` creates the intent, `order-<orderId>-pay-confirm` confirms it (`-pay-<n>` for attempt n > 1, e.g. a new card) |
 * | refundOrder   | `order-<orderId>-refund` (one refund per order)  |
 * | cancelPayment | `order-<orderId>-cancel`                         |
 *
 * findOrderPaymentIntent reads only (a list), for an order whose charge step never saved its id.
 */

export interface ChargeOrderInput {
  readonly orderId: string;
  /** Integer minor units. */
  readonly amount: number;
  /** ISO 4217, any case ("USD"). */
  readonly currency: string;
  /** A saved `pm_…` or a test token such as `pm_card_visa`. */
  readonly paymentMethodId: string;
  /** The Stripe customer (`cus_…`) when the card is saved on one. */
  readonly stripeCustomerId?: string;
  /**
   * An on-session charge (the customer is at checkout): where their browser comes back after the
   * bank's 3-D Secure page (Stripe's `return_url`, sent with the confirmation). Without it Stripe
   * answers `use_stripe_sdk` and the client finishes the step in page with Stripe.js.
   */
  readonly returnUrl?: string;
  /**
   * An off-session charge of a saved card (the customer is not there, e.g. a later charge): Stripe
   * then fails a card that needs 3-D Secure (authentication_required) instead of waiting.
   * Cards are saved for this by a SetupIntent with usage=off_session (payment-methods.ts), which is
   * what Stripe documents instead of setup_future_usage on a payment.
   */
  readonly offSession?: boolean;
  /** 1 for the first payment attempt of the order; a retry with another card needs a new attempt number. */
  readonly attempt?: number;
  /** The order's correlation id: kept in the intent's metadata, so its webhooks carry it back. */
  readonly correlationId?: string;
}

/** A card decline is a result, not an error: the order moves to PAYMENT_FAILED with the reason. */
export type ChargeResult =
  | { readonly status: 'succeeded'; readonly paymentIntentId: string }
  | {
      readonly status: 'requires_action';
      readonly paymentIntentId: string;
      readonly clientSecret: string | null;
      /** The page to send the customer to, when a returnUrl was given. */
      readonly redirectUrl?: string;
    }
  | {
      readonly status: 'failed';
      /** null when Stripe refused before creating an intent (an unknown payment method). */
      readonly paymentIntentId: string | null;
      /** Stripe's code: card_declined, expired_card, authentication_required, resource_missing … */
      readonly failureCode: string;
      /** The issuer's reason for a decline: generic_decline, insufficient_funds … */
      readonly declineCode?: string;
      readonly message: string;
    };

/**
 * Creates the order's PaymentIntent (automatic capture, cards only), then confirms it: two
 * calls, so that a 500 on the create (which moves no money) can be retried under a fresh key,
 * and one on the confirm is settled by reading the intent, whose status says whether the charge
 * happened. Throws PaymentProviderUnavailable for transient trouble, which the workflow retries.
 */
export async function chargeOrder(input: ChargeOrderInput): Promise<ChargeResult> {
  const stripe = await stripeClient();
  const params: Stripe.PaymentIntentCreateParams = {
    amount: input.amount,
    currency: input.currency.toLowerCase(),
    payment_method: input.paymentMethodId,
    allowed_payment_method_types: ['card'],
    capture_method: 'automatic',
    metadata: { orderId: input.orderId, ...(input.correlationId ? { correlationId: input.correlationId } : {}) },
    ...(input.stripeCustomerId ? { customer: input.stripeCustomerId } : {}),
  };
  // Stripe takes return_url and off_session on a create only with confirm=true: they go here.
  const confirmation: Stripe.PaymentIntentConfirmParams = {
    ...(input.returnUrl ? { return_url: input.returnUrl } : {}),
    ...(input.offSession ? { off_session: true } : {}),
  };
  const attempt = input.attempt ?? 1;
  const baseKey = `order-${input.orderId}-pay${attempt > 1 ? `-${attempt}` : ''}`;
  try {
    const created = await withFreshKeys(baseKey, (idempotencyKey) => stripe.paymentIntents.create(params, { idempotencyKey }));
    const confirmed = await withFreshKeys(
      `${baseKey}-confirm`,
      (idempotencyKey) => stripe.paymentIntents.confirm(created.id, confirmation, { idempotencyKey }),
      async () => {
        const intent = await stripe.paymentIntents.retrieve(created.id);
        return intent.status === 'requires_confirmation' ? undefined : intent;
      },
    );
    return resultOf(confirmed);
  } catch (error) {
    if (isCardError(error)) return declined(error);
    const translated = toPaymentError(error);
    // A payment method that does not exist (or may not be used) is the customer's input failing.
    if (translated instanceof PaymentRequestRejected && translated.param === 'payment_method') {
      return { status: 'failed', paymentIntentId: null, failureCode: translated.stripeCode ?? 'invalid_payment_method', message: translated.message };
    }
    throw translated;
  }
}

/** Where an order's PaymentIntent stands now (e.g. after the customer's 3-D Secure step). */
export async function retrievePayment(paymentIntentId: string): Promise<ChargeResult> {
  const stripe = await stripeClient();
  try {
    return resultOf(await stripe.paymentIntents.retrieve(paymentIntentId));
  } catch (error) {
    throw toPaymentError(error);
  }
}

/** How much earlier than the order Stripe may stamp its intent (clocks differ). */
const CLOCK_SKEW_SECONDS = 300;

/**
 * An order's PaymentIntent: the id the order saved, else the one charged for an order that never
 * learnt its id (the charge step ended between Stripe's answer and saving the id): the newest
 * intent whose metadata.orderId is the order's,
 * among the Stripe customer's intents when the card is saved on one, else the account's. The
 * list is newest first, so the walk stops at the first intent older than the order. (Search by
 * metadata would be one call, but its index lags by up to a minute, and the list is the standard
 * call every Stripe-compatible server serves.) Undefined: the order was never charged.
 */
export async function findOrderPaymentIntent(input: {
  orderId: string;
  /** The order's creation time (ISO 8601): no intent of it is older. */
  createdAt: string;
  /** The id the order saved, if it did: then nothing is looked up. */
  paymentIntentId?: string | null;
  stripeCustomerId?: string;
}): Promise<string | undefined> {
  if (input.paymentIntentId) return input.paymentIntentId;
  const stripe = await stripeClient();
  const since = Math.floor(Date.parse(input.createdAt) / 1000) - CLOCK_SKEW_SECONDS;
  try {
    for await (const intent of stripe.paymentIntents.list({ limit: 100, ...(input.stripeCustomerId ? { customer: input.stripeCustomerId } : {}) })) {
      if (intent.created < since) return undefined;
      if (intent.metadata?.orderId === input.orderId) return intent.id;
    }
    return undefined;
  } catch (error) {
    throw toPaymentError(error);
  }
}

export type RefundResult =
  | { readonly status: 'refunded'; readonly refundId: string; readonly amount: number }
  /** Refunded before, by another path (another refund key, the dashboard): nothing left to do. */
  | { readonly status: 'already_refunded' };

/** Refunds a succeeded payment, in full unless `amount` (minor units) says otherwise. */
export async function refundOrder(input: { orderId: string; paymentIntentId: string; amount?: number }): Promise<RefundResult> {
  const stripe = await stripeClient();
  try {
    const refund = await withFreshKeys(
      `order-${input.orderId}-refund`,
      (idempotencyKey) =>
        stripe.refunds.create({ payment_intent: input.paymentIntentId, ...(input.amount !== undefined ? { amount: input.amount } : {}) }, { idempotencyKey }),
      async () => {
        const { data } = await stripe.refunds.list({ payment_intent: input.paymentIntentId, limit: 10 });
        return data.find((refund) => refund.status !== 'failed' && refund.status !== 'canceled');
      },
    );
    if (refund.status === 'failed' || refund.status === 'canceled') {
      throw new PaymentRequestRejected(`Refund ${refund.id} ${refund.status}`, refund.failure_reason, undefined);
    }
    return { status: 'refunded', refundId: refund.id, amount: refund.amount };
  } catch (error) {
    const translated = toPaymentError(error);
    if (translated instanceof PaymentRequestRejected && translated.stripeCode === 'charge_already_refunded') return { status: 'already_refunded' };
    throw translated;
  }
}

/**
 * Makes sure a payment can no longer take money: cancelled, or refunded (key order-<id>-refund)
 * when it had succeeded before the cancel, e.g. through a late 3-D Secure.
 */
export async function voidPayment(input: { orderId: string; paymentIntentId: string }): Promise<{ readonly status: 'canceled' } | RefundResult> {
  if ((await cancelPayment(input)).status === 'canceled') return { status: 'canceled' };
  return refundOrder(input);
}

/**
 * Cancels a payment that has not succeeded (e.g. 3-D Secure never completed), so it can no longer
 * succeed later. Answers 'succeeded' when it already had: the caller refunds instead.
 */
export async function cancelPayment(input: { orderId: string; paymentIntentId: string }): Promise<{ status: 'canceled' | 'succeeded' }> {
  const stripe = await stripeClient();
  try {
    await withFreshKeys(
      `order-${input.orderId}-cancel`,
      (idempotencyKey) => stripe.paymentIntents.cancel(input.paymentIntentId, {}, { idempotencyKey }),
      async () => {
        const intent = await stripe.paymentIntents.retrieve(input.paymentIntentId);
        return intent.status === 'canceled' ? intent : undefined;
      },
    );
    return { status: 'canceled' };
  } catch (error) {
    const translated = toPaymentError(error);
    if (!(translated instanceof PaymentRequestRejected && translated.stripeCode === 'payment_intent_unexpected_state')) throw translated;
    const intent = await stripe.paymentIntents.retrieve(input.paymentIntentId).catch((cause: unknown) => {
      throw toPaymentError(cause);
    });
    if (intent.status === 'succeeded') return { status: 'succeeded' };
    if (intent.status === 'canceled') return { status: 'canceled' };
    throw translated;
  }
}

function resultOf(intent: Stripe.PaymentIntent): ChargeResult {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', paymentIntentId: intent.id };
    case 'requires_action':
    case 'processing': // not seen with cards; like 3-D Secure, the outcome arrives by webhook
      return {
        status: 'requires_action',
        paymentIntentId: intent.id,
        clientSecret: intent.client_secret,
        ...(intent.next_action?.redirect_to_url?.url ? { redirectUrl: intent.next_action.redirect_to_url.url } : {}),
      };
    case 'requires_payment_method':
    case 'canceled': {
      const error = intent.last_payment_error;
      return {
        status: 'failed',
        paymentIntentId: intent.id,
        failureCode: error?.code ?? (intent.status === 'canceled' ? 'canceled' : 'payment_failed'),
        ...(error?.decline_code ? { declineCode: error.decline_code } : {}),
        message: error?.message ?? `The payment is ${intent.status}.`,
      };
    }
    default:
      throw new Error(`PaymentIntent ${intent.id} is in unexpected status ${intent.status}`);
  }
}

function declined(error: InstanceType<typeof Stripe.errors.StripeCardError>): ChargeResult {
  const intent = error.payment_intent as { id?: string } | undefined;
  return {
    status: 'failed',
    paymentIntentId: intent?.id ?? null,
    failureCode: error.code ?? 'card_declined',
    ...(error.decline_code ? { declineCode: error.decline_code } : {}),
    message: error.message,
  };
}
