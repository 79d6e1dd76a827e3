import { retrieveCharge } from './charges';
import type { Handler } from './context';
import { createCustomer, deleteCustomer, retrieveCustomer, updateCustomer } from './customers';
import { listEvents, retrieveEvent } from './events';
import {
  cancelPaymentIntent,
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
import { createRefund, listRefunds, retrieveRefund } from './refunds';
import { cancelSetupIntent, confirmSetupIntent, createSetupIntent, retrieveSetupIntent } from './setup-intents';

/** The subset of Stripe's v1 API the local server answers; anything else is 404 "Unrecognized request URL". */
export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly segments: readonly string[];
  readonly handler: Handler;
}

const route = (method: Route['method'], path: string, handler: Handler): Route => ({
  method,
  segments: path.split('/').filter(Boolean),
  handler,
});

export const ROUTES: readonly Route[] = [
  route('POST', '/v1/customers', createCustomer),
  route('GET', '/v1/customers/:id', retrieveCustomer),
  route('POST', '/v1/customers/:id', updateCustomer),
  route('DELETE', '/v1/customers/:id', deleteCustomer),
  route('GET', '/v1/customers/:id/payment_methods', listCustomerPaymentMethods),
  route('GET', '/v1/customers/:customer/payment_methods/:id', retrieveCustomerPaymentMethod),

  route('GET', '/v1/payment_methods', listPaymentMethods),
  route('GET', '/v1/payment_methods/:id', retrievePaymentMethod),
  route('POST', '/v1/payment_methods/:id/attach', attachPaymentMethod),
  route('POST', '/v1/payment_methods/:id/detach', detachPaymentMethod),

  route('POST', '/v1/setup_intents', createSetupIntent),
  route('GET', '/v1/setup_intents/:id', retrieveSetupIntent),
  route('POST', '/v1/setup_intents/:id/confirm', confirmSetupIntent),
  route('POST', '/v1/setup_intents/:id/cancel', cancelSetupIntent),

  route('POST', '/v1/payment_intents', createPaymentIntent),
  route('GET', '/v1/payment_intents', listPaymentIntents),
  route('GET', '/v1/payment_intents/:id', retrievePaymentIntent),
  route('POST', '/v1/payment_intents/:id', updatePaymentIntent),
  route('POST', '/v1/payment_intents/:id/confirm', confirmPaymentIntent),
  route('POST', '/v1/payment_intents/:id/cancel', cancelPaymentIntent),

  route('GET', '/v1/charges/:id', retrieveCharge),

  route('POST', '/v1/refunds', createRefund),
  route('GET', '/v1/refunds', listRefunds),
  route('GET', '/v1/refunds/:id', retrieveRefund),

  route('GET', '/v1/events', listEvents),
  route('GET', '/v1/events/:id', retrieveEvent),
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
