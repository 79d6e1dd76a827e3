import type Stripe from 'stripe';
import type { RequestContext } from './context';
import { newId } from './ids';

/** Where the challenge page (challenge.ts) lives, as on Stripe's hooks.stripe.com. */
export const CHALLENGE_PATH = '/3d_secure_2/hosted';

/** The challenge page's URL for an intent, with the intent and its client secret in the query as on Stripe. */
export function challengeUrl(context: RequestContext, intent: { id: string; client_secret: string | null }): string {
  const kind = intent.id.startsWith('seti_') ? 'setup_intent' : 'payment_intent';
  const url = new URL(CHALLENGE_PATH, context.baseUrl);
  url.searchParams.set(kind, intent.id);
  url.searchParams.set(`${kind}_client_secret`, intent.client_secret ?? '');
  return url.toString();
}

/**
 * The `next_action` of an intent waiting for 3-D Secure. With a return_url the customer is sent
 * to a URL (here the local stand-in for the bank's page, challenge.ts); without one, Stripe.js
 * would handle it in page (`use_stripe_sdk`), pointing at the same page.
 */
export function authenticationStep(context: RequestContext, intent: { id: string; client_secret: string | null }, returnUrl: string | undefined) {
  const url = challengeUrl(context, intent);
  const step = returnUrl
    ? { type: 'redirect_to_url', redirect_to_url: { url, return_url: returnUrl } }
    : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: newId('src') } };
  // The SDK types `use_stripe_sdk` as an opaque object; both intents share this shape.
  return step as Stripe.PaymentIntent.NextAction & Stripe.SetupIntent.NextAction;
}
