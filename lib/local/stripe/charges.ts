import type Stripe from 'stripe';
import type { TestCard } from './cards';
import type { Handler, RequestContext } from './context';
import { noSuch } from './errors';
import { newId } from './ids';

/**
 * Charges are never created directly here: a confirmed PaymentIntent makes one per attempt
 * (`latest_charge`), succeeded or failed, and refunds update its `amount_refunded`.
 */

export const retrieveCharge: Handler = (context, _params, path) => findCharge(context, path['id'] ?? '');

export function findCharge(context: RequestContext, id: string, param?: string): Stripe.Charge {
  const charge = context.store.get<Stripe.Charge>(id);
  if (!charge || charge.object !== 'charge') throw noSuch('charge', id, param);
  return charge;
}

export interface ChargeAttempt {
  readonly intent: Stripe.PaymentIntent;
  readonly method: Stripe.PaymentMethod;
  readonly card: TestCard;
  readonly authenticated: boolean;
  /** False for capture_method=manual: the amount is only authorized until the intent is captured. */
  readonly capture: boolean;
  /** Why the charge failed; absent when it succeeded. */
  readonly failure?: { readonly code: string; readonly declineCode: string; readonly message: string };
}

/** Records the charge of one payment attempt and emits `charge.succeeded` / `charge.failed`. */
export function recordCharge(context: RequestContext, attempt: ChargeAttempt): Stripe.Charge {
  const { intent, method, failure } = attempt;
  const succeeded = !failure;
  const captured = succeeded && attempt.capture;
  const charge: Stripe.Charge = {
    id: newId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: captured ? intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: captured ? newId('txn') : null,
    billing_details: method.billing_details,
    calculated_statement_descriptor: 'CROWDSTART',
    captured,
    created: context.now,
    currency: intent.currency,
    customer: typeof intent.customer === 'string' ? intent.customer : null,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: intent.metadata,
    on_behalf_of: null,
    outcome: outcomeOf(failure),
    paid: succeeded,
    payment_intent: intent.id,
    payment_method: method.id,
    payment_method_details: { type: 'card', card: cardDetails(attempt) },
    receipt_email: intent.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: intent.shipping,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
  context.store.put(charge);
  context.emit(succeeded ? 'charge.succeeded' : 'charge.failed', charge);
  return charge;
}

/** Captures an authorized charge (capture_method=manual), in full or `amount` of it. */
export function captureCharge(context: RequestContext, charge: Stripe.Charge, amount: number): Stripe.Charge {
  const captured: Stripe.Charge = { ...charge, captured: true, amount_captured: amount, balance_transaction: newId('txn') };
  context.store.put(captured);
  context.emit('charge.captured', captured, { captured: false, amount_captured: 0 });
  return captured;
}

function outcomeOf(failure: ChargeAttempt['failure']): Stripe.Charge.Outcome {
  const base = { advice_code: null, network_advice_code: null, network_decline_code: null, risk_level: 'normal', risk_score: 20 };
  if (!failure) {
    return { ...base, network_status: 'approved_by_network', reason: null, seller_message: 'Payment complete.', type: 'authorized' };
  }
  return {
    ...base,
    network_status: 'declined_by_network',
    reason: failure.declineCode,
    seller_message: 'The bank did not return any further details with this decline.',
    type: 'issuer_declined',
  };
}

function cardDetails({ intent, method, card, authenticated }: ChargeAttempt): Stripe.Charge.PaymentMethodDetails.Card {
  const summary = method.card;
  return {
    amount_authorized: intent.amount,
    authorization_code: null,
    brand: card.brand,
    checks: summary?.checks ?? null,
    country: 'US',
    electronic_commerce_indicator: null,
    exp_month: summary?.exp_month ?? 12,
    exp_year: summary?.exp_year ?? 2030,
    fingerprint: summary?.fingerprint ?? null,
    funding: card.funding,
    installments: null,
    last4: card.last4,
    mandate: null,
    network: card.brand,
    network_transaction_id: null,
    regulated_status: 'unregulated',
    three_d_secure: authenticated ? ({ authentication_flow: 'challenge', result: 'authenticated', version: '2.2.0' } as Stripe.Charge.PaymentMethodDetails.Card.ThreeDSecure) : null,
    transaction_link_id: null,
    wallet: null,
  };
}
