import { DEFAULT_API_VERSION, json, type Engine, type Origin } from './engine';
import { invalidRequest, unrecognizedUrl } from './errors';
import { parseForm } from './form';
import { authenticatePaymentIntent, findIntent, returnUrlOf } from './payment-intents';
import { authenticateSetupIntent, findSetupIntent, setupReturnUrlOf } from './setup-intents';

/**
 * `/_local/…`: test helpers Stripe does not have, never subject to fault injection and needing
 * no API key.
 *
 * | route                                        | does                                                   |
 * | -------------------------------------------- | ------------------------------------------------------ |
 * | GET  /_local/health                          | liveness                                               |
 * | POST /_local/payment_intents/{id}/authenticate `{ outcome: 'succeed' \| 'fail' }` | finishes 3-D Secure; answers the intent |
 * | POST /_local/setup_intents/{id}/authenticate   `{ outcome }`                      | the same for a SetupIntent              |
 * | GET  /_local/3ds/{id}                        | the "bank page" a redirect_to_url points at: two buttons |
 * | POST /_local/3ds/{id} (form `outcome=`)      | what those buttons post; redirects to the return_url   |
 * | POST /_local/faults `{ failureRate }`        | changes fault injection at run time                    |
 * | POST /_local/webhook_endpoint `{ enabled }`  | disables (or enables) the webhook endpoint: events of the meantime are never delivered |
 */
export interface LocalRequest {
  readonly method: string;
  readonly pathname: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface LocalResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** 3-D Secure completions are not API requests: their events carry `request: null`, as on Stripe. */
const NO_REQUEST: Origin = { requestId: null, idempotencyKey: null, apiVersion: DEFAULT_API_VERSION };
const JSON_TYPE = { 'content-type': 'application/json' };

export function handleLocalRequest(engine: Engine, request: LocalRequest): LocalResponse {
  const [, , resource, id, action] = request.pathname.split('/');
  const route = `${request.method} ${resource ?? ''}${action ? '/' + action : ''}`;
  switch (route) {
    case 'GET health':
      return { status: 200, body: json({ ok: true }), headers: JSON_TYPE };
    case 'POST payment_intents/authenticate':
    case 'POST setup_intents/authenticate': {
      const intent = authenticate(engine, id ?? '', outcomeOf(bodyOf(request)['outcome']));
      return { status: 200, body: json(intent), headers: JSON_TYPE };
    }
    case 'GET 3ds':
      return { status: 200, body: bankPage(engine, id ?? ''), headers: { 'content-type': 'text/html; charset=utf-8' } };
    case 'POST 3ds':
      return completeBankPage(engine, id ?? '', outcomeOf(bodyOf(request)['outcome']));
    case 'POST faults': {
      const rate = Number(bodyOf(request)['failureRate']);
      if (!(rate >= 0 && rate <= 1)) throw invalidRequest('failureRate must be a number within 0..1', undefined, 'failureRate');
      engine.faults.setRate(rate);
      return { status: 200, body: json({ failureRate: engine.faults.failureRate }), headers: JSON_TYPE };
    }
    case 'POST webhook_endpoint': {
      const enabled = bodyOf(request)['enabled'];
      if (typeof enabled !== 'boolean') throw invalidRequest('enabled must be true or false', undefined, 'enabled');
      engine.webhooksEnabled = enabled;
      return { status: 200, body: json({ enabled }), headers: JSON_TYPE };
    }
    default:
      throw unrecognizedUrl(request.method, request.pathname);
  }
}

function authenticate(engine: Engine, id: string, outcome: 'succeed' | 'fail') {
  return engine.mutate(NO_REQUEST, (context) =>
    id.startsWith('seti_') ? authenticateSetupIntent(context, id, outcome) : authenticatePaymentIntent(context, id, outcome),
  );
}

/** After the "bank page", back to the merchant's return_url with Stripe's query parameters. */
function completeBankPage(engine: Engine, id: string, outcome: 'succeed' | 'fail'): LocalResponse {
  const intent = authenticate(engine, id, outcome);
  const returnUrl = engine.read(NO_REQUEST, (context) => (id.startsWith('seti_') ? setupReturnUrlOf(context, id) : returnUrlOf(context, id)));
  if (!returnUrl) return { status: 200, body: json(intent), headers: JSON_TYPE };
  const target = new URL(returnUrl);
  const kind = id.startsWith('seti_') ? 'setup_intent' : 'payment_intent';
  target.searchParams.set(kind, id);
  target.searchParams.set(`${kind}_client_secret`, intent.client_secret ?? '');
  target.searchParams.set('redirect_status', intent.status === 'succeeded' ? 'succeeded' : 'failed');
  return { status: 303, body: '', headers: { location: target.toString() } };
}

function bankPage(engine: Engine, id: string): string {
  const intent = engine.read(NO_REQUEST, (context) => (id.startsWith('seti_') ? findSetupIntent(context, id) : findIntent(context, id)));
  const amount = 'amount' in intent ? ` of ${intent.amount} ${intent.currency.toUpperCase()} (minor units)` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>3-D Secure (local)</title></head>
<body style="font-family: system-ui; max-width: 32rem; margin: 4rem auto">
<h1>3-D Secure test page</h1>
<p>Local stand-in for the card issuer's authentication of <code>${intent.id}</code>${amount}. Status: <b>${intent.status}</b>.</p>
<form method="post"><button name="outcome" value="succeed">Complete authentication</button>
<button name="outcome" value="fail">Fail authentication</button></form>
</body></html>`;
}

function bodyOf(request: LocalRequest): Record<string, unknown> {
  if (!request.body) return {};
  if (!request.contentType?.includes('json')) return parseForm(request.body);
  try {
    const parsed: unknown = JSON.parse(request.body);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw invalidRequest('The request body is not valid JSON.');
  }
}

function outcomeOf(value: unknown): 'succeed' | 'fail' {
  if (value === undefined || value === 'succeed') return 'succeed';
  if (value === 'fail') return 'fail';
  throw invalidRequest("outcome must be 'succeed' or 'fail'", 'parameter_invalid_string', 'outcome');
}
