import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ROUTES, type RouteDefinition } from '../routes';
import { DEMO_TOKEN_PATH, demoToken, type LocalIdentity } from './identity';
import { serveConsole } from './console';
import { serveDocs } from './docs';
import { invokeFunction } from './lambda-runtime';
import { listen } from './ports';
import { serveStorefront } from './storefront/serve';

/** API Gateway's own payload limit for HTTP APIs, checked before the authorizer. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/**
 * Lambda's limit on a synchronous invoke's payload, the whole event, which binds first: on AWS
 * an authorized request whose event exceeds it fails at the invoke, so here it is refused.
 */
const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly paramNames: string[];
  readonly literalSegments: number;
}

export interface GatewayOptions {
  readonly port: number;
  readonly identity: () => LocalIdentity;
  /**
   * Extra checks before a route runs (the throttle), given the verified token's subject if any;
   * may answer the request itself.
   */
  readonly admit?: (req: IncomingMessage, res: ServerResponse, subject: string | undefined) => boolean;
  readonly logRequests?: boolean;
}

/**
 * The API Gateway HTTP API, locally: matches the route table, checks the bearer token as the
 * JWT authorizer would, turns the request into a payload-2.0 event and invokes the route's
 * unchanged handler module. Also serves the local issuer's JWKS and demo sign-in, the API's docs
 * page (/docs), the workflow console (/console) and the local storefront at `/` (lib/local/storefront/).
 */
export async function startGateway(options: GatewayOptions): Promise<{ server: Server; port: number }> {
  const routes = compileRoutes(ROUTES);
  // A missing Host is refused in handle(), in the error shape, rather than by Node with an empty 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      if (options.logRequests) console.log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
    });
    handle(req, res, routes, options).catch((error: Error) => {
      console.error('gateway error', error);
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_ERROR', 'Internal Server Error', randomUUID());
    });
  });
  server.on('clientError', answerClientError);
  server.keepAliveTimeout = 5_000;
  await listen(server, options.port);
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: CompiledRoute[], options: GatewayOptions) {
  const requestId = randomUUID();
  if (req.httpVersion === '1.1' && !req.headers.host) {
    return sendError(res, 400, 'MALFORMED_REQUEST', 'An HTTP/1.1 request needs a Host header.', requestId, { connection: 'close' });
  }
  const url = requestUrl(req.url ?? '/');
  // Before routing and the token: a path that cannot be decoded names no resource, whoever asks.
  if (!url || !isDecodable(url.pathname)) return sendError(res, 400, 'MALFORMED_PATH', 'The request path is not a valid, percent-encoded UTF-8 URL path.', requestId);
  const identity = options.identity();
  // Verified before the throttle, so a bucket belongs to a proven caller, never to a claimed one.
  const claims = await authorize(req, identity);
  if (options.admit && !options.admit(req, res, typeof claims?.sub === 'string' ? claims.sub : undefined)) return;
  if (url.pathname === '/auth/.well-known/jwks.json') return sendJson(res, 200, identity.jwks, requestId);
  if (url.pathname === '/auth/.well-known/openid-configuration') {
    return sendJson(res, 200, { issuer: identity.issuer, jwks_uri: `${identity.issuer}/.well-known/jwks.json` }, requestId);
  }
  if (await serveDocs(req.method ?? 'GET', url.pathname, res, requestId)) return; // local only, see docs.ts
  if (await serveConsole(req, res, url)) return; // local only, like the AWS console it stands in for
  if (url.pathname === DEMO_TOKEN_PATH && req.method === 'POST') return answerDemoToken(req, res, identity, requestId);
  // The path as sent, not as URL parsing resolved it: `/products/..` names no page of the storefront.
  if (serveStorefront(req.method, (req.url ?? '').split('?')[0]!, res, requestId)) return;
  const match = matchRoute(routes, req.method ?? 'GET', url.pathname);
  if (!match) return sendError(res, 404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${url.pathname}.`, requestId);
  const body = await readBody(req);
  const tooLarge = () => sendError(res, 413, 'PAYLOAD_TOO_LARGE', "The request exceeds Lambda's 6 MB invoke payload.", requestId);
  if (body === undefined) return tooLarge();
  const isPublic = match.route.auth === 'public';
  if (!isPublic && !claims) return sendError(res, 401, 'UNAUTHORIZED', 'A valid bearer token is required.', requestId);
  const event = toEvent(req, url, match, body, isPublic ? undefined : claims, requestId);
  if (Buffer.byteLength(JSON.stringify(event)) > MAX_INVOKE_PAYLOAD_BYTES) return tooLarge();
  const result = (await invokeFunction(`api/${match.route.handler}`, event)) as APIGatewayProxyStructuredResultV2;
  sendResult(res, result);
}

/** The local storefront's demo sign-in (identity.ts): a customer token for a name. */
async function answerDemoToken(req: IncomingMessage, res: ServerResponse, identity: LocalIdentity, requestId: string) {
  const result = await demoToken(identity, (await readBody(req)) ?? '');
  if ('refused' in result) return sendError(res, 400, 'VALIDATION_FAILED', result.refused, requestId);
  return sendJson(res, 200, result, requestId);
}

/** The JWT authorizer: bearer token, signature, issuer, audience, expiry. */
async function authorize(req: IncomingMessage, identity: LocalIdentity): Promise<Record<string, unknown> | undefined> {
  const header = req.headers.authorization ?? '';
  const token = /^Bearer (.+)$/i.exec(header)?.[1];
  if (!token) return undefined;
  try {
    return await identity.verify(token);
  } catch {
    return undefined;
  }
}

/** The request target as a URL (a path starting with "//" stays a path), or undefined when it is none. */
function requestUrl(target: string): URL | undefined {
  try {
    return new URL(target.startsWith('/') ? `http://localhost${target}` : target, 'http://localhost');
  } catch {
    return undefined;
  }
}

function isDecodable(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

type Refusal = readonly [status: number, code: string, message: string];
const MALFORMED_REQUEST: Refusal = [400, 'MALFORMED_REQUEST', 'The request is not valid HTTP/1.1.'];
const PARSER_REFUSALS: Record<string, Refusal> = {
  HPE_HEADER_OVERFLOW: [431, 'REQUEST_HEADER_FIELDS_TOO_LARGE', 'The request headers exceed what the server accepts.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time.'],
};

/**
 * Requests that Node's HTTP parser refuses (oversized headers, duplicate Content-Length, CL with
 * TE, bad header bytes, unknown methods) never reach the request handler, and Node would answer
 * them with an empty body; they get the error shape and a request id like every other refusal.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex) {
  if (error.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
  const [status, code, message] = PARSER_REFUSALS[error.code ?? ''] ?? MALFORMED_REQUEST;
  const requestId = randomUUID();
  const body = JSON.stringify(errorBody(code, message, requestId));
  socket.end(
    [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`,
      `x-request-id: ${requestId}`, 'connection: close', '', body].join('\r\n'),
  );
}

function compileRoutes(routes: readonly RouteDefinition[]): CompiledRoute[] {
  return routes
    .map((route) => {
      const paramNames: string[] = [];
      const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        paramNames.push(name);
        return '([^/]+)';
      });
      const literalSegments = route.path.split('/').filter((s) => s && !s.startsWith('{')).length;
      return { route, pattern: new RegExp(`^${source}/?$`), paramNames, literalSegments };
    })
    .sort((a, b) => b.literalSegments - a.literalSegments); // the most specific route wins, as on API Gateway
}

function matchRoute(routes: CompiledRoute[], method: string, path: string) {
  for (const compiled of routes) {
    if (compiled.route.method !== method) continue;
    const found = compiled.pattern.exec(path);
    if (!found) continue;
    const params = Object.fromEntries(compiled.paramNames.map((name, i) => [name, decodeURIComponent(found[i + 1]!)]));
    return { route: compiled.route, params };
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The payload-2.0 event API Gateway would send, claims flattened as the JWT authorizer does. */
function toEvent(
  req: IncomingMessage,
  url: URL,
  match: { route: RouteDefinition; params: Record<string, string> },
  body: string,
  claims: Record<string, unknown> | undefined,
  requestId: string,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')]),
  );
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const routeKey = `${match.route.method} ${match.route.path}`;
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(match.params).length ? match.params : undefined,
    body: body === '' ? undefined : body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: match.route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: flattenClaims(claims ?? {}), scopes: [] } },
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** API Gateway hands claims to Lambda as strings; arrays become "[a b]". */
function flattenClaims(claims: Record<string, unknown>): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' ? JSON.stringify(value) : (value as string),
    ]),
  );
}

function sendResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2) {
  const body = result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': requestId });
  res.end(JSON.stringify(body));
}

/** Answers in the contract's error shape, for what the gateway itself refuses. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, requestId: string, headers = {}) {
  const body = JSON.stringify(errorBody(code, message, requestId));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId, ...headers });
  res.end(body);
}

const errorBody = (code: string, message: string, requestId: string) => ({ error: { code, message, details: [] }, requestId });
