import type Stripe from 'stripe';
import type { RequestContext } from './context';
import { newId } from './ids';

/**
 * The `next_action` of an intent waiting for 3-D Secure. With a return_url the customer is sent
 * to a URL (here the local stand-in for the bank's page, `/_local/3ds/{id}`); without one,
 * Stripe.js would handle it in page (`use_stripe_sdk`), pointing at the same page.
 */
export function authenticationStep(context: RequestContext, intentId: string, returnUrl: string | undefined) {
  const url = `${context.baseUrl}/_local/3ds/${intentId}`;
  const step = returnUrl
    ? { type: 'redirect_to_url', redirect_to_url: { url, return_url: returnUrl } }
    : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: newId('src') } };
  // The SDK types `use_stripe_sdk` as an opaque object; both intents share this shape.
  return step as Stripe.PaymentIntent.NextAction & Stripe.SetupIntent.NextAction;
}
