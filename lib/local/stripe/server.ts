import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { handleApiRequest } from './api';
import { Engine, errorResponse } from './engine';
import { invalidRequest } from './errors';
import { FaultInjector } from './faults';
import { newId, randomToken } from './ids';
import { claimKey, pruneExpired } from './idempotency';
import { handleChallenge } from './challenge';
import { handleLocalRequest } from './local-routes';
import { CHALLENGE_PATH } from './next-action';
import { Store } from './store';
import { DEFAULT_RETRY, WebhookDispatcher, type Log, type RetryPolicy } from './webhooks';

/**
 * A Stripe-compatible server for the part of the API Crowdstart uses, run in-process by the
 * local stack and the tests, so the real `stripe` SDK (pointed at it with host/port/protocol)
 * works with no network and no account.
 *
 * | module             | role                                                                 |
 * | ------------------ | -------------------------------------------------------------------- |
 * | api.ts, routes.ts  | one /v1 request: auth, params, faults, Idempotency-Key, expand[]     |
 * | challenge.ts       | the 3-D Secure challenge page a redirect_to_url points at            |
 * | local-routes.ts    | /_local helpers: 3-D Secure completion for tests, fault rate, health |
 * | engine.ts          | shared state; every change is one transaction that may emit events   |
 * | customers.ts, payment-methods.ts, setup-intents.ts, payment-intents.ts, charges.ts, refunds.ts | the resources |
 * | cards.ts           | Stripe's test cards (pm_card_visa …) and how each behaves            |
 * | events.ts, webhooks.ts | evt_… objects and their signed, retried delivery                 |
 * | store.ts           | SQLite persistence under `<dataDir>/stripe/`                         |
 * | faults.ts, idempotency.ts | lost responses on purpose, and the replay that makes them safe |
 */
export interface StripeServerOptions {
  /** @default 0, a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The local stack's data directory; the server keeps its database in `<dataDir>/stripe/`. */
  readonly dataDir: string;
  /**
   * Where signed events go. `secret` defaults to the one this dataDir already has (or a new
   * `whsec_…`); `events` to every type ('*'; 'payment_intent.*' and exact types also work).
   */
  readonly webhook?: { readonly url: string; readonly secret?: string; readonly events?: readonly string[] };
  /**
   * Fraction (0..1) of API calls that fail: half answer 500 api_error without doing anything
   * (kept under the Idempotency-Key and replayed, as Stripe does), half do the work and then drop
   * the connection (a lost response, which a retry with the same key recovers). @default 0
   */
  readonly failureRate?: number;
  /** Makes the injected faults repeatable. */
  readonly faultSeed?: number;
  readonly webhookRetry?: Partial<RetryPolicy>;
  /** @default silent */
  readonly log?: Log;
}

export interface StripeServer {
  /** e.g. `http://127.0.0.1:4242`, what STRIPE_API_URL should be set to. */
  readonly url: string;
  readonly port: number;
  /** The `whsec_…` that signs webhooks; the same after a restart on the same dataDir. */
  readonly webhookSecret: string;
  /** `only` limits the faults to one kind: 'before' (a kept 500) or 'after' (a lost response). */
  setFailureRate(rate: number, only?: 'before' | 'after'): void;
  /** Sends future (and pending) webhooks to `url`; undefined stops delivering. */
  setWebhookUrl(url: string | undefined): void;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const PRUNE_INTERVAL_MS = 3600 * 1000;

/** Starts the server; it is ready when the promise resolves. */
export async function startStripeServer(options: StripeServerOptions): Promise<StripeServer> {
  const store = new Store(join(options.dataDir, 'stripe'));
  const webhookSecret = resolveWebhookSecret(store, options.webhook?.secret);
  const log = options.log ?? (() => {});
  const endpointFor = (url: string | undefined) => (url ? { url, secret: webhookSecret } : undefined);
  const dispatcher = new WebhookDispatcher(store, endpointFor(options.webhook?.url), { ...DEFAULT_RETRY, ...options.webhookRetry }, log);
  const engine = new Engine(store, new FaultInjector(options.failureRate ?? 0, options.faultSeed), dispatcher, log);
  engine.webhookEvents = options.webhook ? (options.webhook.events ?? ['*']) : undefined;

  const server = createServer((request, response) => void serve(engine, request, response));
  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  engine.baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
  pruneExpired(store, Date.now());
  const pruner = setInterval(() => pruneExpired(store, Date.now()), PRUNE_INTERVAL_MS).unref();
  dispatcher.kick(); // deliveries left pending by the previous run
  log('info', 'local Stripe server listening', { url: engine.baseUrl });

  return {
    url: engine.baseUrl,
    port,
    webhookSecret,
    setFailureRate: (rate, only) => engine.faults.setRate(rate, only),
    setWebhookUrl: (url) => {
      engine.webhookEvents = url ? (options.webhook?.events ?? ['*']) : undefined;
      dispatcher.setEndpoint(endpointFor(url));
    },
    stop: async () => {
      clearInterval(pruner);
      await close(server);
      await dispatcher.stop();
      store.close();
    },
  };
}

/** The secret given, else the one this dataDir already uses, else a new one; kept for restarts. */
function resolveWebhookSecret(store: Store, given: string | undefined): string {
  const secret = given ?? store.getMeta('webhook_secret') ?? `whsec_${randomToken(32)}`;
  store.setMeta('webhook_secret', secret);
  return secret;
}

async function serve(engine: Engine, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const requestId = newId('req');
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  const local = url.pathname.startsWith('/_local/');
  const challenge = url.pathname === CHALLENGE_PATH;
  let result: { status: number; body: string; headers: Record<string, string>; dropConnection?: true };
  let release: (() => void) | undefined;
  try {
    // Claimed before the body is read: a request is "under way" from its first byte to its answer.
    if (!local && !challenge) release = claimKey(engine.keysInUse, method, headerValue(request.headers['idempotency-key']));
    const body = await readBody(request);
    result = local
      ? handleLocalRequest(engine, { method, pathname: url.pathname, contentType: request.headers['content-type'], body })
      : challenge
        ? handleChallenge(engine, { method, query: url.searchParams, body })
        : handleApiRequest(engine, { method, pathname: url.pathname, query: url.search.slice(1), headers: request.headers, body, requestId });
  } catch (error) {
    result = { ...errorResponse(error, engine.log), headers: {} };
  }
  try {
    if (result.dropConnection) {
      request.socket.destroy(); // a lost response: the work is done and kept under the key
      return;
    }
    response.writeHead(result.status, { 'content-type': 'application/json', 'request-id': requestId, ...result.headers });
    await new Promise<void>((resolve) => response.end(result.body, resolve));
  } finally {
    release?.();
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw invalidRequest('The request body is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets requests under way finish, and drops the SDK's idle keep-alive sockets. */
function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), 2000).unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
