import type Stripe from 'stripe';
import { isTestPaymentMethodToken, type SavedCard } from '../../domain/customer';
import { NotFound, ValidationFailed } from '../../domain/errors';
import { getStripeCustomerId } from '../dynamodb/customer-repository';
import { stripeClient } from './client';
import { isCardError, isMissing, toPaymentError } from './errors';
import { withFreshKeys } from './idempotency';

/**
 * Saved cards: a SetupIntent attaches a card to the customer's Stripe customer; listing and
 * detaching only ever touch that customer's cards.
 */

export type SetupResult =
  | { readonly status: 'succeeded'; readonly setupIntentId: string; readonly paymentMethodId: string }
  | { readonly status: 'requires_action'; readonly setupIntentId: string; readonly clientSecret: string | null; readonly redirectUrl?: string }
  /** No card given: the client confirms with Stripe.js using the client secret. */
  | { readonly status: 'requires_payment_method'; readonly setupIntentId: string; readonly clientSecret: string | null }
  | {
      readonly status: 'failed';
      readonly setupIntentId: string | null;
      readonly failureCode: string;
      readonly declineCode?: string;
      readonly message: string;
    };

export interface CreateSetupIntentInput {
  readonly stripeCustomerId: string;
  /** A card to save right away (`pm_…` or a test token); without it the client confirms. */
  readonly paymentMethodId?: string;
  /** Where 3-D Secure returns to; only used with a card (without one, the client confirms and passes its own). */
  readonly returnUrl?: string;
  /** The caller's Idempotency-Key, if the API request had one. */
  readonly idempotencyKey?: string;
}

/** Saves a card for off-session use; the saved card's id is `paymentMethodId` of the result. */
export async function createSetupIntent(input: CreateSetupIntentInput): Promise<SetupResult> {
  const stripe = await stripeClient();
  const params: Stripe.SetupIntentCreateParams = {
    customer: input.stripeCustomerId,
    allowed_payment_method_types: ['card'],
    usage: 'off_session',
    // Stripe takes return_url only together with confirm=true.
    ...(input.paymentMethodId ? { payment_method: input.paymentMethodId, confirm: true, ...(input.returnUrl ? { return_url: input.returnUrl } : {}) } : {}),
  };
  try {
    const intent = input.idempotencyKey
      ? await withFreshKeys(`setup-${input.idempotencyKey}`, (idempotencyKey) => stripe.setupIntents.create(params, { idempotencyKey }))
      : await stripe.setupIntents.create(params);
    return setupResultOf(intent);
  } catch (error) {
    if (isCardError(error)) {
      const intent = error.setup_intent as { id?: string } | undefined;
      return {
        status: 'failed',
        setupIntentId: intent?.id ?? null,
        failureCode: error.code ?? 'card_declined',
        ...(error.decline_code ? { declineCode: error.decline_code } : {}),
        message: error.message,
      };
    }
    throw toPaymentError(error);
  }
}

/** A customer's saved cards, newest first, in the contract's list shape. */
export async function listPaymentMethods(
  stripeCustomerId: string,
  page: { limit?: number; cursor?: string } = {},
): Promise<{ items: SavedCard[]; nextCursor: string | null }> {
  const stripe = await stripeClient();
  try {
    const list = await stripe.customers.listPaymentMethods(stripeCustomerId, {
      type: 'card',
      limit: page.limit ?? 20,
      ...(page.cursor ? { starting_after: page.cursor } : {}),
    });
    const items = list.data.map(toSavedCard);
    return { items, nextCursor: list.has_more ? (items.at(-1)?.id ?? null) : null };
  } catch (error) {
    throw toPaymentError(error);
  }
}

/** Removes a saved card; a card that is not this customer's is a 404, never someone else's detach. */
export async function detachPaymentMethod(stripeCustomerId: string, paymentMethodId: string): Promise<void> {
  const stripe = await stripeClient();
  try {
    const method = await stripe.paymentMethods.retrieve(paymentMethodId);
    if (method.customer !== stripeCustomerId) throw new NotFound('Payment method', paymentMethodId);
    await stripe.paymentMethods.detach(paymentMethodId);
  } catch (error) {
    if (isMissing(error)) throw new NotFound('Payment method', paymentMethodId);
    throw toPaymentError(error);
  }
}

/**
 * The payment method a checkout names, checked against the caller: a test token belongs to
 * nobody; a saved card must be on the caller's Stripe customer (else it is "not found", without
 * telling whose it is); a card not saved on anyone (made by Stripe.js for this payment) is fine.
 */
export async function resolvePaymentMethod(
  customerId: string,
  paymentMethodId: string,
): Promise<{ paymentMethodId: string; stripeCustomerId?: string }> {
  if (isTestPaymentMethodToken(paymentMethodId)) return { paymentMethodId };
  const [stripe, stripeCustomerId] = await Promise.all([stripeClient(), getStripeCustomerId(customerId)]);
  const unknown = () => new ValidationFailed([{ in: 'body', path: 'paymentMethodId', message: 'No saved card has this id' }]);
  let method: Stripe.PaymentMethod;
  try {
    method = await stripe.paymentMethods.retrieve(paymentMethodId);
  } catch (error) {
    if (isMissing(error)) throw unknown();
    throw toPaymentError(error);
  }
  if (!method.customer) return { paymentMethodId };
  if (method.customer !== stripeCustomerId || !stripeCustomerId) throw unknown();
  return { paymentMethodId, stripeCustomerId };
}

function setupResultOf(intent: Stripe.SetupIntent): SetupResult {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', setupIntentId: intent.id, paymentMethodId: String(intent.payment_method) };
    case 'requires_action':
      return {
        status: 'requires_action',
        setupIntentId: intent.id,
        clientSecret: intent.client_secret,
        ...(intent.next_action?.redirect_to_url?.url ? { redirectUrl: intent.next_action.redirect_to_url.url } : {}),
      };
    case 'requires_payment_method':
    case 'requires_confirmation':
      if (intent.last_setup_error) {
        return {
          status: 'failed',
          setupIntentId: intent.id,
          failureCode: intent.last_setup_error.code ?? 'setup_failed',
          ...(intent.last_setup_error.decline_code ? { declineCode: intent.last_setup_error.decline_code } : {}),
          message: intent.last_setup_error.message ?? 'The card could not be saved.',
        };
      }
      return { status: 'requires_payment_method', setupIntentId: intent.id, clientSecret: intent.client_secret };
    default:
      throw new Error(`SetupIntent ${intent.id} is in unexpected status ${intent.status}`);
  }
}

function toSavedCard(method: Stripe.PaymentMethod): SavedCard {
  return {
    id: method.id,
    brand: method.card?.brand ?? 'unknown',
    last4: method.card?.last4 ?? '????',
    expMonth: method.card?.exp_month ?? 0,
    expYear: method.card?.exp_year ?? 0,
  };
}
