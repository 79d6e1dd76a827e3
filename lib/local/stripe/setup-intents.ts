import type Stripe from 'stripe';
import type { Handler, RequestContext } from './context';
import { changedFields, liveCustomer } from './customers';
import { cardError, confirmOnly, invalidRequest, noSuch, StripeApiError, unexpectedState } from './errors';
import { clientSecret, newId } from './ids';
import { methodTypesOf, requireReturnUrlForRedirects } from './method-types';
import { authenticationStep } from './next-action';
import { mergeMetadata, optionalBoolean, optionalEnum, optionalString, optionalUrl, type Params } from './params';
import { refusedOnAttach } from './cards';
import { attach, behaviourOf, findPaymentMethod, needsAuthentication, usablePaymentMethod } from './payment-methods';

/**
 * SetupIntents save a card for later: create (optionally confirming), retrieve, confirm, cancel.
 * A successful confirmation attaches the card to the intent's customer; a card that always
 * needs 3-D Secure waits in requires_action for the local authenticate helper; a card the issuer
 * declines fails with 402 card_error, as Stripe's card check does.
 */

interface SetupState {
  returnUrl?: string;
}

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

export const createSetupIntent: Handler = (context, params) => {
  const confirmNow = optionalBoolean(params, 'confirm') ?? false;
  if (!confirmNow && params['return_url'] !== undefined) throw confirmOnly('return_url');
  const customerId = optionalString(params, 'customer');
  const customer = customerId ? liveCustomer(context, customerId, 'customer').id : null;
  const id = newId('seti');
  let intent: Stripe.SetupIntent = {
    id,
    object: 'setup_intent',
    ...methodTypesOf(params),
    application: null,
    cancellation_reason: null,
    client_secret: clientSecret(id),
    created: context.now,
    customer,
    customer_account: null,
    description: optionalString(params, 'description') ?? null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: mergeMetadata({}, params),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    single_use_mandate: null,
    status: 'requires_payment_method',
    usage: optionalEnum(params, 'usage', ['on_session', 'off_session']) ?? 'off_session',
  };
  const methodId = optionalString(params, 'payment_method');
  if (methodId) intent = withPaymentMethod(context, intent, methodId);
  const state = stateOf(params, {});
  context.store.put(intent, state);
  context.emit('setup_intent.created', intent);
  return confirmNow ? confirm(context, intent, state, false) : intent;
};


export const retrieveSetupIntent: Handler = (context, _params, path) => findSetupIntent(context, path['id'] ?? '');

export const confirmSetupIntent: Handler = (context, params, path) => {
  let intent = findSetupIntent(context, path['id'] ?? '');
  if (!CONFIRMABLE.includes(intent.status)) {
    throw unexpectedState('setup_intent', `You cannot confirm this SetupIntent because it has a status of ${intent.status}.`);
  }
  const methodId = optionalString(params, 'payment_method');
  if (methodId) intent = withPaymentMethod(context, intent, methodId);
  const state = stateOf(params, context.store.local(intent.id) as SetupState);
  context.store.put(intent, state);
  return confirm(context, intent, state, false);
};

export const cancelSetupIntent: Handler = (context, params, path) => {
  const intent = findSetupIntent(context, path['id'] ?? '');
  if (!CONFIRMABLE.includes(intent.status)) {
    throw unexpectedState('setup_intent', `You cannot cancel this SetupIntent because it has a status of ${intent.status}.`);
  }
  const reason = optionalEnum(params, 'cancellation_reason', ['abandoned', 'duplicate', 'requested_by_customer']);
  const canceled: Stripe.SetupIntent = { ...intent, status: 'canceled', cancellation_reason: reason ?? null, next_action: null };
  context.store.put(canceled);
  context.emit('setup_intent.canceled', canceled, changedFields(intent, canceled));
  return canceled;
};

/** The local stand-in for the bank's 3-D Secure page, for a SetupIntent in requires_action. */
export function authenticateSetupIntent(context: RequestContext, id: string, outcome: 'succeed' | 'fail'): Stripe.SetupIntent {
  const intent = findSetupIntent(context, id);
  if (intent.status !== 'requires_action') {
    throw unexpectedState('setup_intent', `SetupIntent ${id} is not waiting for authentication (status ${intent.status}).`);
  }
  if (outcome === 'succeed') {
    try {
      return confirm(context, intent, context.store.local(id) as SetupState, true);
    } catch (error) {
      // A card declined after authenticating: the intent is already saved as failed.
      if (error instanceof StripeApiError && error.commit) return findSetupIntent(context, id);
      throw error;
    }
  }
  const method = findPaymentMethod(context, String(intent.payment_method));
  return fail(context, intent, {
    type: 'invalid_request_error',
    code: 'setup_intent_authentication_failure',
    message: 'The latest attempt to set up the payment method has failed because authentication failed.',
    payment_method: method,
  });
}

export function setupReturnUrlOf(context: RequestContext, id: string): string | undefined {
  return (context.store.local(id) as SetupState).returnUrl;
}

export function findSetupIntent(context: RequestContext, id: string): Stripe.SetupIntent {
  const intent = context.store.get<Stripe.SetupIntent>(id);
  if (!intent || intent.object !== 'setup_intent') throw noSuch('setup_intent', id);
  return intent;
}

function confirm(context: RequestContext, intent: Stripe.SetupIntent, state: SetupState, authenticated: boolean): Stripe.SetupIntent {
  if (!intent.payment_method) {
    throw unexpectedState('setup_intent', "You cannot confirm this SetupIntent because it's missing a payment method.");
  }
  if (!authenticated) requireReturnUrlForRedirects(intent.automatic_payment_methods, state.returnUrl);
  const method = findPaymentMethod(context, String(intent.payment_method));
  const card = behaviourOf(method);
  if (!authenticated && needsAuthentication(context, method, card)) return requireAction(context, intent, state);
  if (card.decline && refusedOnAttach(card)) {
    const { code, declineCode, message } = card.decline;
    const failed = fail(context, intent, { type: 'card_error', code, decline_code: declineCode, message, payment_method: method });
    throw cardError({ code, decline_code: declineCode, message }, { setup_intent: failed, payment_method: method });
  }
  if (typeof intent.customer === 'string') attach(context, method, intent.customer, { setUp: true });
  else context.store.put(method, { setUp: true });
  const succeeded: Stripe.SetupIntent = { ...intent, status: 'succeeded', last_setup_error: null, next_action: null };
  context.store.put(succeeded);
  context.emit('setup_intent.succeeded', succeeded, changedFields(intent, succeeded));
  return succeeded;
}

function fail(context: RequestContext, intent: Stripe.SetupIntent, error: Stripe.SetupIntent.LastSetupError): Stripe.SetupIntent {
  const failed: Stripe.SetupIntent = { ...intent, status: 'requires_payment_method', payment_method: null, last_setup_error: error, next_action: null };
  context.store.put(failed);
  context.emit('setup_intent.setup_failed', failed, changedFields(intent, failed));
  return failed;
}

function requireAction(context: RequestContext, intent: Stripe.SetupIntent, state: SetupState): Stripe.SetupIntent {
  const waiting: Stripe.SetupIntent = { ...intent, status: 'requires_action', next_action: authenticationStep(context, intent, state.returnUrl) };
  context.store.put(waiting);
  context.emit('setup_intent.requires_action', waiting, changedFields(intent, waiting));
  return waiting;
}

function withPaymentMethod(context: RequestContext, intent: Stripe.SetupIntent, idOrToken: string): Stripe.SetupIntent {
  const method = usablePaymentMethod(context, idOrToken, 'payment_method');
  if (method.customer && method.customer !== intent.customer) {
    throw invalidRequest(`The provided PaymentMethod ${method.id} is attached to another Customer.`, undefined, 'payment_method');
  }
  return { ...intent, payment_method: method.id, status: 'requires_confirmation' };
}

function stateOf(params: Params, previous: SetupState): SetupState {
  const returnUrl = optionalUrl(params, 'return_url') ?? previous.returnUrl;
  return returnUrl ? { returnUrl } : {};
}
