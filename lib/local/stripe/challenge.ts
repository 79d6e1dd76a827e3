import type Stripe from 'stripe';
import { DEFAULT_API_VERSION, type Engine, type Origin } from './engine';
import { invalidRequest } from './errors';
import { parseForm } from './form';
import { authenticatePaymentIntent, findIntent, returnUrlOf } from './payment-intents';
import { authenticateSetupIntent, findSetupIntent, setupReturnUrlOf } from './setup-intents';

/**
 * The 3-D Secure challenge: the local stand-in for the card issuer's page that Stripe's
 * `next_action.redirect_to_url.url` points at (on Stripe, `hooks.stripe.com/3d_secure_2/hosted`
 * with the intent and its client secret in the query, as here). GET shows two buttons; their
 * POST completes or fails the authentication, which sends the signed webhook, then redirects the
 * browser to the return_url with `payment_intent`, `payment_intent_client_secret` and
 * `redirect_status` (`setup_intent…` for a SetupIntent), as Stripe does. Only the intent's client
 * secret opens the page, so knowing an intent's id is not enough to authenticate it.
 */

/** Authentications are not API requests: their events carry `request: null`, as on Stripe. */
export const NO_REQUEST: Origin = { requestId: null, idempotencyKey: null, apiVersion: DEFAULT_API_VERSION };

export interface ChallengeResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

type Intent = Stripe.PaymentIntent | Stripe.SetupIntent;
type Kind = 'payment_intent' | 'setup_intent';

export function handleChallenge(engine: Engine, request: { method: string; query: URLSearchParams; body: string }): ChallengeResponse {
  const kind: Kind = request.query.has('setup_intent') ? 'setup_intent' : 'payment_intent';
  const id = request.query.get(kind) ?? '';
  const intent = engine.read(NO_REQUEST, (context) => (kind === 'setup_intent' ? findSetupIntent(context, id) : findIntent(context, id)));
  if (!intent.client_secret || request.query.get(`${kind}_client_secret`) !== intent.client_secret) {
    throw invalidRequest('The client secret does not match this intent.', 'resource_missing', `${kind}_client_secret`);
  }
  if (request.method === 'GET') return html(200, challengePage(intent));
  if (request.method !== 'POST') throw invalidRequest(`${request.method} is not allowed on this page.`);
  // A second post (the back button, a double click) finds the intent settled and just goes back.
  const settled = intent.status === 'requires_action' ? authenticate(engine, intent.id, outcomeOf(parseForm(request.body)['outcome'])) : intent;
  const returnUrl = engine.read(NO_REQUEST, (context) => (kind === 'setup_intent' ? setupReturnUrlOf(context, id) : returnUrlOf(context, id)));
  if (!returnUrl) return html(200, donePage(settled)); // in page (use_stripe_sdk): Stripe.js polls the intent
  const target = new URL(returnUrl);
  target.searchParams.set(kind, settled.id);
  target.searchParams.set(`${kind}_client_secret`, settled.client_secret ?? '');
  target.searchParams.set('redirect_status', settled.status === 'succeeded' || settled.status === 'requires_capture' ? 'succeeded' : 'failed');
  return { status: 303, body: '', headers: { location: target.toString() } };
}

/** Completes (or fails) an intent's 3-D Secure step; shared with the `/_local/…/authenticate` test helper. */
export function authenticate(engine: Engine, id: string, outcome: 'succeed' | 'fail'): Intent {
  return engine.mutate(NO_REQUEST, (context) =>
    id.startsWith('seti_') ? authenticateSetupIntent(context, id, outcome) : authenticatePaymentIntent(context, id, outcome),
  );
}

export function outcomeOf(value: unknown): 'succeed' | 'fail' {
  if (value === undefined || value === 'succeed') return 'succeed';
  if (value === 'fail') return 'fail';
  throw invalidRequest("outcome must be 'succeed' or 'fail'", 'parameter_invalid_string', 'outcome');
}

function html(status: number, body: string): ChallengeResponse {
  return { status, body, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } };
}

function challengePage(intent: Intent): string {
  const amount = 'amount' in intent ? `${(intent.amount / 100).toFixed(2)} ${intent.currency.toUpperCase()}` : 'saving a card';
  const buttons =
    intent.status === 'requires_action'
      ? `<form method="post"><button name="outcome" value="succeed" id="complete">Complete authentication</button>
<button name="outcome" value="fail" id="fail">Fail authentication</button></form>`
      : `<p>This authentication is over.</p>`;
  return page(`<h1>3-D Secure test page</h1>
<p>The local stand-in for the card issuer's check of <code>${intent.id}</code> (${amount}). Status: <b id="status">${intent.status}</b>.</p>
${buttons}`);
}

function donePage(intent: Intent): string {
  return page(`<h1>3-D Secure test page</h1><p>Authentication finished: <b id="status">${intent.status}</b>. You can close this window.</p>`);
}

const page = (content: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>3-D Secure (local)</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; line-height: 1.5">
${content}
</body></html>`;
