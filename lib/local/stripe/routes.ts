import { retrieveCharge } from './charges';
import type { Handler } from './context';
import { createCustomer, deleteCustomer, retrieveCustomer, updateCustomer } from './customers';
import { listEvents, retrieveEvent } from './events';
import {
  cancelPaymentIntent,
  capturePaymentIntent,
  confirmPaymentIntent,
  createPaymentIntent,
  listPaymentIntents,
  retrievePaymentIntent,
  updatePaymentIntent,
} from './payment-intents';
import {
  attachPaymentMethod,
  detachPaymentMethod,
  listCustomerPaymentMethods,
  listPaymentMethods,
  retrieveCustomerPaymentMethod,
  retrievePaymentMethod,
} from './payment-methods';
import type { ParamSpec } from './params';
import { createRefund, listRefunds, retrieveRefund } from './refunds';
import { cancelSetupIntent, confirmSetupIntent, createSetupIntent, retrieveSetupIntent } from './setup-intents';

/**
 * The subset of Stripe's v1 API the local server answers; anything else is 404 "Unrecognized
 * request URL". Each route declares the params it takes (a subset of what Stripe's API reference
 * lists for the endpoint: the conformance test checks that); any other is a 400 parameter_unknown.
 */
export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly segments: readonly string[];
  readonly params: ParamSpec;
  readonly handler: Handler;
}

const route = (method: Route['method'], path: string, params: ParamSpec, handler: Handler): Route => ({
  method,
  segments: path.split('/').filter(Boolean),
  params: method === 'DELETE' ? params : { expand: true, ...params },
  handler,
});

const PAGE: ParamSpec = { limit: true, starting_after: true, ending_before: true };
const METHOD_TYPES: ParamSpec = {
  allowed_payment_method_types: true,
  automatic_payment_methods: { enabled: true, allow_redirects: true },
  // Refused with Stripe's own message on this API version (method-types.ts), not as unknown.
  payment_method_types: true,
};
const CUSTOMER_FIELDS: ParamSpec = { description: true, email: true, metadata: 'map', name: true, phone: true };
const CONFIRMATION: ParamSpec = { payment_method: true, return_url: true, off_session: true, error_on_requires_action: true };

export const ROUTES: readonly Route[] = [
  route('POST', '/v1/customers', CUSTOMER_FIELDS, createCustomer),
  route('GET', '/v1/customers/:id', {}, retrieveCustomer),
  route('POST', '/v1/customers/:id', { ...CUSTOMER_FIELDS, invoice_settings: { default_payment_method: true } }, updateCustomer),
  route('DELETE', '/v1/customers/:id', {}, deleteCustomer),
  route('GET', '/v1/customers/:id/payment_methods', { ...PAGE, type: true }, listCustomerPaymentMethods),
  route('GET', '/v1/customers/:customer/payment_methods/:id', {}, retrieveCustomerPaymentMethod),

  route('GET', '/v1/payment_methods', { ...PAGE, customer: true, type: true }, listPaymentMethods),
  route('GET', '/v1/payment_methods/:id', {}, retrievePaymentMethod),
  route('POST', '/v1/payment_methods/:id/attach', { customer: true }, attachPaymentMethod),
  route('POST', '/v1/payment_methods/:id/detach', {}, detachPaymentMethod),

  route(
    'POST',
    '/v1/setup_intents',
    { ...METHOD_TYPES, confirm: true, customer: true, description: true, metadata: 'map', payment_method: true, return_url: true, usage: true },
    createSetupIntent,
  ),
  route('GET', '/v1/setup_intents/:id', { client_secret: true }, retrieveSetupIntent),
  route('POST', '/v1/setup_intents/:id/confirm', { payment_method: true, return_url: true }, confirmSetupIntent),
  route('POST', '/v1/setup_intents/:id/cancel', { cancellation_reason: true }, cancelSetupIntent),

  route(
    'POST',
    '/v1/payment_intents',
    {
      ...METHOD_TYPES,
      ...CONFIRMATION,
      amount: true,
      capture_method: true,
      confirm: true,
      currency: true,
      customer: true,
      description: true,
      metadata: 'map',
      receipt_email: true,
      setup_future_usage: true,
    },
    createPaymentIntent,
  ),
  route('GET', '/v1/payment_intents', { ...PAGE, customer: true, created: { gt: true, gte: true, lt: true, lte: true } }, listPaymentIntents),
  route('GET', '/v1/payment_intents/:id', { client_secret: true }, retrievePaymentIntent),
  route('POST', '/v1/payment_intents/:id', { amount: true, description: true, metadata: 'map', payment_method: true, receipt_email: true }, updatePaymentIntent),
  route('POST', '/v1/payment_intents/:id/confirm', CONFIRMATION, confirmPaymentIntent),
  route('POST', '/v1/payment_intents/:id/capture', { amount_to_capture: true }, capturePaymentIntent),
  route('POST', '/v1/payment_intents/:id/cancel', { cancellation_reason: true }, cancelPaymentIntent),

  route('GET', '/v1/charges/:id', {}, retrieveCharge),

  route('POST', '/v1/refunds', { amount: true, charge: true, metadata: 'map', payment_intent: true, reason: true }, createRefund),
  route('GET', '/v1/refunds', { ...PAGE, payment_intent: true }, listRefunds),
  route('GET', '/v1/refunds/:id', {}, retrieveRefund),

  route('GET', '/v1/events', { ...PAGE, type: true, types: true }, listEvents),
  route('GET', '/v1/events/:id', {}, retrieveEvent),
];

/** The route for a request and the values of its `:name` segments. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  pathname: string,
): { route: Route; path: Record<string, string> } | undefined {
  const segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  for (const candidate of routes) {
    if (candidate.method !== method || candidate.segments.length !== segments.length) continue;
    const path: Record<string, string> = {};
    const matches = candidate.segments.every((segment, i) => {
      const actual = segments[i] ?? '';
      if (!segment.startsWith(':')) return segment === actual;
      path[segment.slice(1)] = actual;
      return true;
    });
    if (matches) return { route: candidate, path };
  }
  return undefined;
}
