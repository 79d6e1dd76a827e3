import { authenticate, outcomeOf } from './challenge';
import { json, type Engine } from './engine';
import { invalidRequest, unrecognizedUrl } from './errors';
import { parseForm } from './form';

/**
 * `/_local/…`: test helpers Stripe does not have, never subject to fault injection and needing
 * no API key. A browser finishes 3-D Secure on the challenge page instead (challenge.ts), as on
 * Stripe; these finish it without one, for tests.
 *
 * | route                                        | does                                                   |
 * | -------------------------------------------- | ------------------------------------------------------ |
 * | GET  /_local/health                          | liveness                                               |
 * | POST /_local/payment_intents/{id}/authenticate `{ outcome: 'succeed' \| 'fail' }` | finishes 3-D Secure; answers the intent |
 * | POST /_local/setup_intents/{id}/authenticate   `{ outcome }`                      | the same for a SetupIntent              |
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
