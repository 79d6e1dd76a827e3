import type Stripe from 'stripe';
import { fingerprintOf, refusedOnAttach, testCardFor, testCardForToken, type TestCard } from './cards';
import { listOf, type Handler, type RequestContext } from './context';
import { liveCustomer } from './customers';
import { cardError, invalidRequest, noSuch } from './errors';
import { newId } from './ids';
import { optionalString, pageOf, requiredString } from './params';

/**
 * PaymentMethods: retrieve, attach, detach, list a customer's. Only the test cards of cards.ts
 * exist; a test token is turned into a real `pm_…` the first time it is used.
 */

/**
 * Local state: Stripe refuses to reuse a card that was detached or spent without a customer, and
 * remembers that a SetupIntent set a card up (which spares 4000002500003155 later authentication).
 */
export interface PaymentMethodState {
  consumed?: boolean;
  setUp?: boolean;
}

export const retrievePaymentMethod: Handler = (context, _params, path) => {
  const id = path['id'] ?? '';
  const card = testCardForToken(id);
  // Stripe answers a GET on a test token with the card it stands for, without saving anything.
  return card ? paymentMethodObject(id, card, context.now) : findPaymentMethod(context, id);
};

export const attachPaymentMethod: Handler = (context, params, path) => {
  const customer = liveCustomer(context, requiredString(params, 'customer'), 'customer');
  const method = usablePaymentMethod(context, path['id'] ?? '', 'payment_method');
  if (method.customer && method.customer !== customer.id) {
    throw invalidRequest('The payment method you provided has already been attached to a customer.', 'payment_method_unexpected_state');
  }
  const card = behaviourOf(method);
  if (card.decline && refusedOnAttach(card)) {
    const { code, declineCode, message } = card.decline;
    throw cardError({ code, decline_code: declineCode, message }, { payment_method: method });
  }
  return attach(context, method, customer.id);
};

export const detachPaymentMethod: Handler = (context, _params, path) => {
  const method = findPaymentMethod(context, path['id'] ?? '');
  if (!method.customer) {
    throw invalidRequest('The payment method you provided is not attached to a customer so detachment is impossible.', 'payment_method_unexpected_state');
  }
  const detached: Stripe.PaymentMethod = { ...method, customer: null };
  context.store.put(detached, { consumed: true } satisfies PaymentMethodState);
  context.emit('payment_method.detached', detached, { customer: method.customer });
  return detached;
};

/** `GET /v1/payment_methods?customer=&type=card` */
export const listPaymentMethods: Handler = (context, params) => {
  const customer = requiredString(params, 'customer');
  return customerMethods(context, customer, params, '/v1/payment_methods');
};

/** `GET /v1/customers/{id}/payment_methods` */
export const listCustomerPaymentMethods: Handler = (context, params, path) => {
  const customer = path['id'] ?? '';
  return customerMethods(context, customer, params, `/v1/customers/${customer}/payment_methods`);
};

/** `GET /v1/customers/{customer}/payment_methods/{id}` */
export const retrieveCustomerPaymentMethod: Handler = (context, _params, path) => {
  const method = findPaymentMethod(context, path['id'] ?? '');
  if (method.customer !== path['customer']) throw noSuch('payment_method', method.id);
  return method;
};

function customerMethods(context: RequestContext, customer: string, params: Parameters<Handler>[1], url: string) {
  liveCustomer(context, customer, 'customer');
  const type = optionalString(params, 'type');
  if (type !== undefined && type !== 'card') return listOf(url, { data: [], hasMore: false });
  return listOf(url, context.store.list<Stripe.PaymentMethod>('payment_method', { customer }, pageOf(params)));
}

export function findPaymentMethod(context: RequestContext, id: string, param?: string): Stripe.PaymentMethod {
  const method = context.store.get<Stripe.PaymentMethod>(id);
  if (!method || method.object !== 'payment_method') throw noSuch('PaymentMethod', id, param);
  return method;
}

/**
 * The PaymentMethod a request names, ready to be charged or attached: a test token becomes a new
 * `pm_…`; a card that was detached or already spent without a customer is refused as Stripe does.
 */
export function usablePaymentMethod(context: RequestContext, idOrToken: string, param: string): Stripe.PaymentMethod {
  const card = testCardForToken(idOrToken);
  if (card) {
    const method = paymentMethodObject(newId('pm'), card, context.now);
    context.store.put(method, {});
    return method;
  }
  const method = findPaymentMethod(context, idOrToken, param);
  if ((context.store.local(method.id) as PaymentMethodState).consumed) {
    throw invalidRequest(
      'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.',
      undefined,
      param,
    );
  }
  return method;
}

/** Marks a card charged without a customer as spent, so a second use is refused. */
export function consumeIfUnattached(context: RequestContext, method: Stripe.PaymentMethod): void {
  if (!method.customer) context.store.put(method, { consumed: true } satisfies PaymentMethodState);
}

export function attach(context: RequestContext, method: Stripe.PaymentMethod, customer: string, state: PaymentMethodState = {}): Stripe.PaymentMethod {
  if (method.customer === customer) {
    if (state.setUp) context.store.put(method, state);
    return method;
  }
  const attached: Stripe.PaymentMethod = { ...method, customer };
  context.store.put(attached, state);
  context.emit('payment_method.attached', attached);
  return attached;
}

/** Whether paying or setting up with this card needs 3-D Secure now (see TestCard.authentication). */
export function needsAuthentication(context: RequestContext, method: Stripe.PaymentMethod, card: TestCard): boolean {
  if (card.authentication !== 'unless_set_up') return card.authentication === 'always';
  return !(context.store.local(method.id) as PaymentMethodState).setUp;
}

/** How the card behind a PaymentMethod behaves (every local PaymentMethod is a test card). */
export function behaviourOf(method: Stripe.PaymentMethod): TestCard {
  const card = method.card && testCardFor(method.card.brand, method.card.last4);
  if (!card) throw invalidRequest(`PaymentMethod ${method.id} is not a card the local Stripe server knows`, undefined, 'payment_method');
  return card;
}

/** The PaymentMethod object of a test card, shaped as Stripe returns it. */
export function paymentMethodObject(id: string, card: TestCard, now: number): Stripe.PaymentMethod {
  return {
    id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date(now * 1000).getUTCFullYear() + 3,
      fingerprint: fingerprintOf(card),
      funding: card.funding,
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: now,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}
