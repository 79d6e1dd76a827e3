import type Stripe from 'stripe';
import { captureCharge, findCharge, recordCharge } from './charges';
import { listOf, type Handler, type RequestContext } from './context';
import { changedFields, liveCustomer } from './customers';
import { cardError, confirmOnly, invalidRequest, noSuch, unexpectedState, type StripeApiError } from './errors';
import { clientSecret, newId } from './ids';
import { methodTypesOf, requireReturnUrlForRedirects } from './method-types';
import { authenticationStep } from './next-action';
import {
  mergeMetadata,
  nested,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalString,
  optionalUrl,
  pageOf,
  requiredInteger,
  requiredString,
  type Params,
} from './params';
import { attach, behaviourOf, consumeIfUnattached, findPaymentMethod, needsAuthentication, usablePaymentMethod } from './payment-methods';
import type { CreatedRange } from './store';

/**
 * PaymentIntents: create (optionally confirming), retrieve, update, confirm, capture, cancel,
 * list. One confirmation is one charge attempt on a test card: it succeeds (or, with
 * capture_method=manual, is authorized and waits in requires_capture), is declined (402
 * card_error, the intent back in requires_payment_method with last_payment_error), or needs
 * 3-D Secure (requires_action until the challenge page, challenge.ts, completes it; off-session or
 * with error_on_requires_action it fails with authentication_required instead).
 */

/** Local state of the latest confirmation: where the customer returns after 3-D Secure, whether they are present. */
interface IntentState {
  returnUrl?: string;
  offSession?: boolean;
  errorOnRequiresAction?: boolean;
}

/** Params that a create takes only with confirm=true (Stripe's API reference says so for each). */
const CONFIRM_ONLY = ['return_url', 'off_session', 'error_on_requires_action'];

const MIN_AMOUNT = 50; // Stripe's minimum charge is about 50 minor units in most currencies.
const MAX_AMOUNT = 99_999_999;
const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];

export const createPaymentIntent: Handler = (context, params) => {
  const confirmNow = optionalBoolean(params, 'confirm') ?? false;
  const confirmParam = CONFIRM_ONLY.find((name) => params[name] !== undefined);
  if (!confirmNow && confirmParam) throw confirmOnly(confirmParam);
  const customer = optionalString(params, 'customer');
  let intent = newIntent(context, params, customer && liveCustomer(context, customer, 'customer').id);
  const methodId = optionalString(params, 'payment_method');
  if (methodId) intent = withPaymentMethod(context, intent, methodId);
  const state = confirmationState(params, {});
  context.store.put(intent, state);
  context.emit('payment_intent.created', intent);
  if (!confirmNow) return intent;
  return throwOnFailure(confirm(context, intent, state, { authenticated: false }));
};

export const retrievePaymentIntent: Handler = (context, _params, path) => findIntent(context, path['id'] ?? '');

export const listPaymentIntents: Handler = (context, params) => {
  const customer = optionalString(params, 'customer');
  const created = createdRangeOf(params);
  const filter = { ...(customer ? { customer } : {}), ...(created ? { created } : {}) };
  const page = context.store.list<Stripe.PaymentIntent>('payment_intent', filter, pageOf(params));
  return listOf('/v1/payment_intents', page);
};

export const updatePaymentIntent: Handler = (context, params, path) => {
  let intent = findIntent(context, path['id'] ?? '');
  const open = CONFIRMABLE.includes(intent.status);
  const amount = optionalInteger(params, 'amount');
  if (amount !== undefined && !open) throw unexpectedState('payment_intent', `You cannot update the amount of a PaymentIntent with a status of ${intent.status}.`);
  const methodId = optionalString(params, 'payment_method');
  if (methodId) intent = withPaymentMethod(context, intent, methodId);
  intent = {
    ...intent,
    amount: amount === undefined ? intent.amount : checkedAmount(amount),
    description: params['description'] === undefined ? intent.description : (optionalString(params, 'description') ?? null),
    receipt_email: params['receipt_email'] === undefined ? intent.receipt_email : (optionalString(params, 'receipt_email') ?? null),
    metadata: mergeMetadata(intent.metadata, params),
  };
  context.store.put(intent);
  return intent;
};

export const confirmPaymentIntent: Handler = (context, params, path) => {
  let intent = findIntent(context, path['id'] ?? '');
  if (!CONFIRMABLE.includes(intent.status)) {
    const detail = intent.status === 'succeeded' ? 'it has already succeeded after being previously confirmed' : `it has a status of ${intent.status}`;
    throw unexpectedState('payment_intent', `You cannot confirm this PaymentIntent because ${detail}.`);
  }
  const methodId = optionalString(params, 'payment_method');
  if (methodId) intent = withPaymentMethod(context, intent, methodId);
  const state = confirmationState(params, context.store.local(intent.id) as IntentState);
  context.store.put(intent, state);
  return throwOnFailure(confirm(context, intent, state, { authenticated: false }));
};

/** `POST /v1/payment_intents/{id}/capture`: takes (part of) what a manual-capture intent authorized. */
export const capturePaymentIntent: Handler = (context, params, path) => {
  const intent = findIntent(context, path['id'] ?? '');
  if (intent.status !== 'requires_capture') {
    throw unexpectedState('payment_intent', `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`);
  }
  const amount = optionalInteger(params, 'amount_to_capture') ?? intent.amount_capturable;
  if (amount <= 0 || amount > intent.amount_capturable) {
    throw invalidRequest(`The amount to capture must be between 1 and ${intent.amount_capturable}.`, 'amount_too_large', 'amount_to_capture');
  }
  captureCharge(context, findCharge(context, String(intent.latest_charge)), amount);
  const captured: Stripe.PaymentIntent = { ...intent, status: 'succeeded', amount_capturable: 0, amount_received: amount };
  context.store.put(captured);
  context.emit('payment_intent.succeeded', captured, changedFields(intent, captured));
  return captured;
};

export const cancelPaymentIntent: Handler = (context, params, path) => {
  const intent = findIntent(context, path['id'] ?? '');
  if (!CANCELABLE.includes(intent.status)) {
    throw unexpectedState(
      'payment_intent',
      `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
    );
  }
  const reason = optionalEnum(params, 'cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned']);
  const canceled: Stripe.PaymentIntent = {
    ...intent,
    status: 'canceled',
    canceled_at: context.now,
    cancellation_reason: reason ?? null,
    next_action: null,
  };
  context.store.put(canceled);
  context.emit('payment_intent.canceled', canceled, changedFields(intent, canceled));
  return canceled;
};

/**
 * Completes (or fails) the 3-D Secure step of an intent in requires_action: what the customer's
 * bank page does on real Stripe. Returns the intent as it ends up (a card can still be declined
 * after authenticating).
 */
export function authenticatePaymentIntent(context: RequestContext, id: string, outcome: 'succeed' | 'fail'): Stripe.PaymentIntent {
  const intent = findIntent(context, id);
  if (intent.status !== 'requires_action') {
    throw unexpectedState('payment_intent', `PaymentIntent ${id} is not waiting for authentication (status ${intent.status}).`);
  }
  const state = context.store.local(id) as IntentState;
  if (outcome === 'succeed') return confirm(context, intent, state, { authenticated: true }).intent;
  const method = findPaymentMethod(context, String(intent.payment_method));
  return fail(context, intent, {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
    message:
      'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    payment_method: method,
  });
}

export function returnUrlOf(context: RequestContext, id: string): string | undefined {
  return (context.store.local(id) as IntentState).returnUrl;
}

export function findIntent(context: RequestContext, id: string, param?: string): Stripe.PaymentIntent {
  const intent = context.store.get<Stripe.PaymentIntent>(id);
  if (!intent || intent.object !== 'payment_intent') throw noSuch('payment_intent', id, param);
  return intent;
}

// --- confirmation ------------------------------------------------------------------------

interface Confirmation {
  readonly intent: Stripe.PaymentIntent;
  readonly error?: StripeApiError;
}

/** One payment attempt with the intent's card. */
function confirm(context: RequestContext, intent: Stripe.PaymentIntent, state: IntentState, options: { authenticated: boolean }): Confirmation {
  if (!intent.payment_method) {
    throw unexpectedState(
      'payment_intent',
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with a PaymentMethod, provide the payment_method parameter.",
    );
  }
  if (!options.authenticated) requireReturnUrlForRedirects(intent.automatic_payment_methods, state.returnUrl);
  const method = findPaymentMethod(context, String(intent.payment_method));
  const card = behaviourOf(method);
  if (!options.authenticated && needsAuthentication(context, method, card)) {
    if (!state.offSession && !state.errorOnRequiresAction) return { intent: requireAction(context, intent, state) };
    const failure = { code: 'authentication_required', declineCode: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' };
    return declined(context, intent, method, card, options.authenticated, failure);
  }
  if (card.decline) return declined(context, intent, method, card, options.authenticated, card.decline);
  const capture = intent.capture_method !== 'manual';
  const charge = recordCharge(context, { intent, method, card, authenticated: options.authenticated, capture });
  saveForFutureUsage(context, intent, method);
  const succeeded: Stripe.PaymentIntent = {
    ...intent,
    status: capture ? 'succeeded' : 'requires_capture',
    amount_capturable: capture ? 0 : intent.amount,
    amount_received: capture ? intent.amount : 0,
    latest_charge: charge.id,
    last_payment_error: null,
    next_action: null,
  };
  context.store.put(succeeded);
  context.emit(capture ? 'payment_intent.succeeded' : 'payment_intent.amount_capturable_updated', succeeded, changedFields(intent, succeeded));
  return { intent: succeeded };
}

/**
 * setup_future_usage makes the card reusable, as Stripe documents: attached to the intent's
 * customer once the payment succeeds (or left attachable later, not spent, without one); with
 * `off_session` the payment also sets the card up, as a SetupIntent does, so a card that needs
 * 3-D Secure only until set up (pm_card_authenticationRequiredOnSetup) pays later off session.
 */
function saveForFutureUsage(context: RequestContext, intent: Stripe.PaymentIntent, method: Stripe.PaymentMethod): void {
  if (!intent.setup_future_usage) return consumeIfUnattached(context, method);
  if (typeof intent.customer !== 'string') return;
  attach(context, method, intent.customer, intent.setup_future_usage === 'off_session' ? { setUp: true } : {});
}

function declined(
  context: RequestContext,
  intent: Stripe.PaymentIntent,
  method: Stripe.PaymentMethod,
  card: ReturnType<typeof behaviourOf>,
  authenticated: boolean,
  failure: { code: string; declineCode: string; message: string },
): Confirmation {
  const charge = recordCharge(context, { intent, method, card, authenticated, capture: false, failure });
  const error = {
    type: 'card_error' as const,
    charge: charge.id,
    code: failure.code,
    decline_code: failure.declineCode,
    doc_url: `https://stripe.com/docs/error-codes/${failure.code.replaceAll('_', '-')}`,
    message: failure.message,
    payment_method: method,
  };
  const failed = fail(context, { ...intent, latest_charge: charge.id }, error);
  const response = cardError(
    { code: failure.code, decline_code: failure.declineCode, message: failure.message, charge: charge.id },
    { payment_intent: failed, payment_method: method },
  );
  return { intent: failed, error: response };
}

/** Back to requires_payment_method: Stripe drops the card and keeps why in last_payment_error. */
function fail(context: RequestContext, intent: Stripe.PaymentIntent, error: Stripe.PaymentIntent.LastPaymentError): Stripe.PaymentIntent {
  const failed: Stripe.PaymentIntent = {
    ...intent,
    status: 'requires_payment_method',
    payment_method: null,
    last_payment_error: error,
    next_action: null,
  };
  context.store.put(failed);
  context.emit('payment_intent.payment_failed', failed, changedFields(intent, failed));
  return failed;
}

function requireAction(context: RequestContext, intent: Stripe.PaymentIntent, state: IntentState): Stripe.PaymentIntent {
  const waiting: Stripe.PaymentIntent = { ...intent, status: 'requires_action', next_action: authenticationStep(context, intent, state.returnUrl) };
  context.store.put(waiting);
  context.emit('payment_intent.requires_action', waiting, changedFields(intent, waiting));
  return waiting;
}

function throwOnFailure(confirmation: Confirmation): Stripe.PaymentIntent {
  if (confirmation.error) throw confirmation.error;
  return confirmation.intent;
}

// --- building intents --------------------------------------------------------------------

function newIntent(context: RequestContext, params: Params, customer: string | undefined): Stripe.PaymentIntent {
  const id = newId('pi');
  return {
    id,
    object: 'payment_intent',
    ...methodTypesOf(params),
    amount: checkedAmount(requiredInteger(params, 'amount')),
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: captureMethod(params),
    client_secret: clientSecret(id),
    confirmation_method: 'automatic',
    created: context.now,
    currency: currencyOf(params),
    customer: customer ?? null,
    customer_account: null,
    description: optionalString(params, 'description') ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: mergeMetadata({}, params),
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_record: null,
    processing: null,
    receipt_email: optionalString(params, 'receipt_email') ?? null,
    review: null,
    setup_future_usage: optionalEnum(params, 'setup_future_usage', ['on_session', 'off_session']) ?? null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
}

/** Puts a card on the intent after Stripe's ownership checks. */
function withPaymentMethod(context: RequestContext, intent: Stripe.PaymentIntent, idOrToken: string): Stripe.PaymentIntent {
  const method = usablePaymentMethod(context, idOrToken, 'payment_method');
  if (method.customer && method.customer !== intent.customer) {
    const message = intent.customer
      ? `The provided PaymentMethod ${method.id} does not belong to the Customer ${String(intent.customer)}.`
      : `The PaymentMethod ${method.id} belongs to the Customer ${String(method.customer)}. Please include the Customer in the \`customer\` parameter on the PaymentIntent.`;
    throw invalidRequest(message, undefined, 'payment_method');
  }
  return { ...intent, payment_method: method.id, status: 'requires_confirmation' };
}

/**
 * return_url is remembered for 3-D Secure; off_session and error_on_requires_action hold for the
 * confirmation that sends them.
 */
function confirmationState(params: Params, previous: IntentState): IntentState {
  const returnUrl = optionalUrl(params, 'return_url') ?? previous.returnUrl;
  const offSession = params['off_session'] === undefined ? false : offSessionOf(params);
  const errorOnRequiresAction = optionalBoolean(params, 'error_on_requires_action') ?? false;
  return { ...(returnUrl ? { returnUrl } : {}), ...(offSession ? { offSession } : {}), ...(errorOnRequiresAction ? { errorOnRequiresAction } : {}) };
}

/** `off_session` is a boolean or one of 'one_off' / 'recurring' (both meaning true). */
function offSessionOf(params: Params): boolean {
  const value = optionalString(params, 'off_session');
  if (value === 'one_off' || value === 'recurring') return true;
  return optionalBoolean(params, 'off_session') ?? false;
}

function checkedAmount(amount: number): number {
  if (amount < MIN_AMOUNT) throw invalidRequest(`Amount must be at least ${MIN_AMOUNT} minor units`, 'amount_too_small', 'amount');
  if (amount > MAX_AMOUNT) throw invalidRequest(`Amount must be no more than ${MAX_AMOUNT} minor units`, 'amount_too_large', 'amount');
  return amount;
}

function currencyOf(params: Params): string {
  const currency = requiredString(params, 'currency').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw invalidRequest(`Invalid currency: ${currency}`, 'parameter_invalid_string', 'currency');
  return currency;
}

function captureMethod(params: Params): Stripe.PaymentIntent.CaptureMethod {
  return optionalEnum(params, 'capture_method', ['automatic', 'automatic_async', 'manual']) ?? 'automatic_async';
}

/** The charge an intent's payments went through, for refunds. */
export function succeededChargeOf(context: RequestContext, intent: Stripe.PaymentIntent): Stripe.Charge | undefined {
  if (intent.status !== 'succeeded' || typeof intent.latest_charge !== 'string') return undefined;
  return findCharge(context, intent.latest_charge);
}

/** Stripe's `created` list filter: an exact unix time (`created=…`), or bounds (`created[gte]=…` …). */
function createdRangeOf(params: Params): CreatedRange | undefined {
  if (params['created'] === undefined) return undefined;
  if (typeof params['created'] === 'string') {
    const at = optionalInteger(params, 'created');
    return at === undefined ? undefined : { gte: at, lte: at };
  }
  const bounds = nested(params, 'created')!;
  const range = Object.fromEntries(
    (['gt', 'gte', 'lt', 'lte'] as const).flatMap((bound) => {
      const value = optionalInteger(bounds, bound);
      return value === undefined ? [] : [[bound, value]];
    }),
  );
  return range;
}
