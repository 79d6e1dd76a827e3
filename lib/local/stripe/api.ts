import type { IncomingHttpHeaders } from 'node:http';
import type { ApiBody, RequestContext } from './context';
import { DEFAULT_API_VERSION, json, type Engine, type Origin } from './engine';
import { apiError, StripeApiError, unauthorized, unrecognizedUrl } from './errors';
import { parseForm, type FormObject } from './form';
import { remember, replayFor, type KeyedRequest, type StoredResponse } from './idempotency';
import { stringList } from './params';
import { matchRoute, ROUTES, type Route } from './routes';

/**
 * One `/v1` request, the way Stripe's API treats it: bearer authentication with a test key,
 * form-encoded params, fault injection around the work, Idempotency-Key replay for POSTs, one
 * transaction per mutation, and `expand[]` on the answer.
 */
export interface ApiRequest {
  readonly method: string;
  readonly pathname: string;
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly requestId: string;
}

export interface ApiResponse extends StoredResponse {
  readonly headers: Record<string, string>;
}

export function handleApiRequest(engine: Engine, request: ApiRequest): ApiResponse {
  authenticate(request.headers.authorization);
  const match = matchRoute(ROUTES, request.method, request.pathname);
  if (!match) throw unrecognizedUrl(request.method, request.pathname);
  const params = parseForm(request.method === 'POST' ? request.body : request.query);
  const origin: Origin = {
    requestId: request.requestId,
    idempotencyKey: header(request.headers, 'idempotency-key') ?? null,
    apiVersion: header(request.headers, 'stripe-version') ?? DEFAULT_API_VERSION,
  };
  const fault = engine.faults.next();
  if (fault === 'before') throw apiError();
  const result =
    request.method === 'GET'
      ? { status: 200, body: engine.read(origin, (context) => answer(context, match.route, params, match.path)) }
      : mutation(engine, origin, request, match, params);
  // The work is done (and kept under the key), but the client never hears of it.
  if (fault === 'after') throw apiError();
  return {
    status: result.status,
    body: result.body,
    headers: {
      'stripe-version': origin.apiVersion,
      ...(origin.idempotencyKey ? { 'idempotency-key': origin.idempotencyKey } : {}),
      ...('replayed' in result && result.replayed ? { 'idempotent-replayed': 'true' } : {}),
    },
  };
}

function mutation(
  engine: Engine,
  origin: Origin,
  request: ApiRequest,
  match: { route: Route; path: Record<string, string> },
  params: FormObject,
): StoredResponse & { replayed: boolean } {
  const keyed: KeyedRequest | undefined = origin.idempotencyKey
    ? { key: origin.idempotencyKey, method: request.method, path: request.pathname, params }
    : undefined;
  const replay = keyed && replayFor(engine.store, keyed, Date.now());
  if (replay) return { ...replay, replayed: true };
  const response = engine.mutate(origin, (context) => {
    const outcome = committedOutcome(() => answer(context, match.route, params, match.path));
    if (keyed) remember(engine.store, keyed, outcome, Date.now());
    return outcome;
  });
  return { ...response, replayed: false };
}

/**
 * Runs the handler; an error that did work (a declined card) becomes the response and the
 * transaction commits, any other error propagates and rolls everything back.
 */
function committedOutcome(work: () => string): StoredResponse {
  try {
    return { status: 200, body: work() };
  } catch (error) {
    if (error instanceof StripeApiError && error.commit) return { status: error.status, body: json({ error: error.body }) };
    throw error;
  }
}

function answer(context: RequestContext, route: Route, params: FormObject, path: Record<string, string>): string {
  const body = route.handler(context, params, path);
  return json(expand(context, body, stringList(params, 'expand')));
}

/** `expand[]=latest_charge`, `expand[]=data.customer`: ids replaced by their objects. */
function expand(context: RequestContext, body: ApiBody, paths: readonly string[]): ApiBody {
  return paths.reduce<ApiBody>((current, path) => expandPath(context, current, path.split('.')) as ApiBody, body);
}

function expandPath(context: RequestContext, value: unknown, path: readonly string[]): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => expandPath(context, item, path));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const child = record[head];
  const resolved = typeof child === 'string' ? (context.store.get(child) ?? child) : child;
  return { ...record, [head]: expandPath(context, resolved, rest) };
}

/** Any test-mode secret or restricted key is accepted: the server has a single account. */
function authenticate(authorization: string | undefined): void {
  const key = authorization?.match(/^Bearer (\S+)$/)?.[1];
  if (!key) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  if (!/^(sk|rk)_test_/.test(key)) {
    throw unauthorized(`Invalid API Key provided: ${key.slice(0, 8)}****. The local Stripe server accepts test keys (sk_test_…) only.`);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
