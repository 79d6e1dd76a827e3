import type { IncomingHttpHeaders } from 'node:http';
import type { ApiBody, RequestContext } from './context';
import { DEFAULT_API_VERSION, IMPLEMENTED_API_VERSIONS, json, type Engine, type Origin } from './engine';
import { apiError, invalidRequest, StripeApiError, unauthorized, unrecognizedUrl } from './errors';
import { parseForm, type FormObject } from './form';
import { remember, replayFor, type KeyedRequest, type StoredResponse } from './idempotency';
import { refuseUnknownParams, stringList } from './params';
import { matchRoute, ROUTES, type Route } from './routes';

/**
 * One `/v1` request, the way Stripe's API treats it: a test key (Bearer or Basic auth), a
 * Stripe-Version this server implements, form-encoded params the endpoint declares, fault
 * injection around the work, Idempotency-Key replay for POSTs (GET and DELETE ignore the key, as
 * Stripe does), one transaction per mutation, and `expand[]` on the answer.
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
  /** The work is done, but the client never hears of it: the server drops the connection. */
  readonly dropConnection?: true;
}

export function handleApiRequest(engine: Engine, request: ApiRequest): ApiResponse {
  authenticate(request.headers.authorization);
  const apiVersion = checkedApiVersion(header(request.headers, 'stripe-version'));
  const match = matchRoute(ROUTES, request.method, request.pathname);
  if (!match) throw unrecognizedUrl(request.method, request.pathname);
  const params = parseForm(request.method === 'POST' ? request.body : request.query);
  refuseUnknownParams(params, match.route.params);
  const key = request.method === 'POST' ? header(request.headers, 'idempotency-key') : undefined;
  const origin: Origin = { requestId: request.requestId, idempotencyKey: key ?? null, apiVersion };
  const result =
    request.method === 'GET'
      ? read(engine, origin, match, params)
      : mutation(engine, origin, { key, method: request.method, path: request.pathname, params }, match);
  return {
    status: result.status,
    body: result.body,
    headers: {
      'stripe-version': apiVersion,
      ...(key ? { 'idempotency-key': key } : {}),
      ...(result.replayed ? { 'idempotent-replayed': 'true' } : {}),
      // What Stripe sends with a 500: a retry with the same key would only replay it.
      ...(result.status >= 500 ? { 'stripe-should-retry': 'false' } : {}),
    },
    ...(result.dropConnection ? { dropConnection: true } : {}),
  };
}

type Outcome = StoredResponse & { replayed?: boolean; dropConnection?: true };

function read(engine: Engine, origin: Origin, match: { route: Route; path: Record<string, string> }, params: FormObject): Outcome {
  const fault = engine.faults.next();
  if (fault === 'before') return serverError();
  const body = engine.read(origin, (context) => answer(context, match.route, params, match.path));
  return { status: 200, body, ...(fault === 'after' ? { dropConnection: true as const } : {}) };
}

/**
 * A POST or DELETE. Under an Idempotency-Key, the first outcome of an execution is kept and
 * replayed for 24 hours, a 500 included (Stripe's rule: a key that got a 500 keeps getting it,
 * so a client must move on to another key once it knows nothing happened).
 */
function mutation(
  engine: Engine,
  origin: Origin,
  request: Omit<KeyedRequest, 'key'> & { key: string | undefined },
  match: { route: Route; path: Record<string, string> },
): Outcome {
  const keyed: KeyedRequest | undefined = request.key ? { ...request, key: request.key } : undefined;
  const replay = keyed && replayFor(engine.store, keyed, Date.now());
  if (replay) return { ...replay, replayed: true };
  const fault = engine.faults.next();
  if (fault === 'before') {
    const failed = serverError();
    if (keyed) remember(engine.store, keyed, failed, Date.now());
    return failed;
  }
  const response = engine.mutate(origin, (context) => {
    const outcome = committedOutcome(() => answer(context, match.route, request.params, match.path));
    if (keyed) remember(engine.store, keyed, outcome, Date.now());
    return outcome;
  });
  return fault === 'after' ? { ...response, dropConnection: true } : response;
}

function serverError(): StoredResponse {
  const error = apiError();
  return { status: error.status, body: json({ error: error.body }) };
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

/**
 * Any test-mode secret or restricted key is accepted (the server has a single account), sent as
 * a Bearer token or as the Basic-auth user name (`curl -u sk_test_…:`), the two ways Stripe takes.
 */
function authenticate(authorization: string | undefined): void {
  const key = bearerKey(authorization) ?? basicAuthKey(authorization);
  if (!key) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  if (!/^(sk|rk)_test_/.test(key)) {
    throw unauthorized(`Invalid API Key provided: ${key.slice(0, 8)}****. The local Stripe server accepts test keys (sk_test_…) only.`);
  }
}

function bearerKey(authorization: string | undefined): string | undefined {
  return authorization?.match(/^Bearer (\S+)$/)?.[1];
}

function basicAuthKey(authorization: string | undefined): string | undefined {
  const encoded = authorization?.match(/^Basic (\S+)$/)?.[1];
  if (!encoded) return undefined;
  const user = Buffer.from(encoded, 'base64').toString('utf8').split(':')[0];
  return user || undefined;
}

/** No header: the account's default version. Another version than the implemented ones: 400. */
function checkedApiVersion(requested: string | undefined): string {
  if (requested === undefined) return DEFAULT_API_VERSION;
  if ((IMPLEMENTED_API_VERSIONS as readonly string[]).includes(requested)) return requested;
  if (!/^\d{4}-\d{2}-\d{2}(\.\w+)?$/.test(requested)) throw invalidRequest(`Invalid Stripe API version: ${requested}`);
  throw invalidRequest(
    `Stripe API version ${requested} is not implemented by the local Stripe server; it implements ${IMPLEMENTED_API_VERSIONS.join(', ')}.`,
  );
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
