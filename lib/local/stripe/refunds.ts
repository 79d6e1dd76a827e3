import type Stripe from 'stripe';
import { findCharge } from './charges';
import { listOf, type Handler, type RequestContext } from './context';
import { invalidRequest, noSuch } from './errors';
import { newId } from './ids';
import { mergeMetadata, optionalEnum, optionalInteger, optionalString, pageOf } from './params';
import { findIntent, succeededChargeOf } from './payment-intents';

/**
 * Refunds of a succeeded payment, whole or partial: create, retrieve, list. Card refunds succeed
 * at once in test mode. The charge keeps the running total (`amount_refunded`, `refunded`), which
 * is what the intent's `latest_charge` shows.
 */

export const createRefund: Handler = (context, params) => {
  const charge = refundableCharge(context, optionalString(params, 'payment_intent'), optionalString(params, 'charge'));
  const remaining = charge.amount_captured - charge.amount_refunded;
  const amount = optionalInteger(params, 'amount') ?? remaining;
  if (amount <= 0) throw invalidRequest('Refund amount must be positive.', 'parameter_invalid_integer', 'amount');
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`,
      'amount_too_large',
      'amount',
    );
  }
  const refund: Stripe.Refund = {
    id: newId('re'),
    object: 'refund',
    amount,
    balance_transaction: newId('txn'),
    charge: charge.id,
    created: context.now,
    currency: charge.currency,
    customer: typeof charge.customer === 'string' ? charge.customer : null,
    customer_account: null,
    destination_details: { type: 'card', card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' } } as Stripe.Refund.DestinationDetails,
    metadata: mergeMetadata({}, params),
    payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
    payment_method: charge.payment_method,
    reason: optionalEnum(params, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer']) ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  const refunded = charge.amount_refunded + amount;
  const updated: Stripe.Charge = { ...charge, amount_refunded: refunded, refunded: refunded === charge.amount_captured };
  context.store.put(refund);
  context.store.put(updated);
  context.emit('refund.created', refund);
  context.emit('charge.refunded', updated, { amount_refunded: charge.amount_refunded, refunded: charge.refunded });
  return refund;
};

export const retrieveRefund: Handler = (context, _params, path) => {
  const id = path['id'] ?? '';
  const refund = context.store.get<Stripe.Refund>(id);
  if (!refund || refund.object !== 'refund') throw noSuch('refund', id);
  return refund;
};

/** `GET /v1/refunds?payment_intent=` (or all refunds, newest first). */
export const listRefunds: Handler = (context, params) => {
  const paymentIntent = optionalString(params, 'payment_intent');
  const page = context.store.list<Stripe.Refund>('refund', paymentIntent ? { paymentIntent } : {}, pageOf(params));
  return listOf('/v1/refunds', page);
};

function refundableCharge(context: RequestContext, intentId: string | undefined, chargeId: string | undefined): Stripe.Charge {
  if (!intentId && !chargeId) throw invalidRequest('One of `charge` or `payment_intent` is required.', 'parameter_missing', 'payment_intent');
  const charge = intentId ? succeededChargeOf(context, findIntent(context, intentId, 'payment_intent')) : findCharge(context, chargeId ?? '', 'charge');
  if (!charge || charge.status !== 'succeeded') {
    throw invalidRequest(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, 'charge_not_refundable', 'payment_intent');
  }
  if (charge.refunded) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
  return charge;
}
