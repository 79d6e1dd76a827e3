import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { QUEUE_CONSUMERS, QUEUES, SCHEDULED_JOBS, STREAM_CONSUMERS, STRIPE_WEBHOOK_EVENTS } from '../consumers';
import { ensureTable, localCredentials, startDynamoDbLocal } from './dynamodb';
import { captureFunctionLogs } from './function-logs';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from './dynamodb-faults';
import { startCallRecorder } from './call-recorder';
import { pollTableStream, scheduleJob, type Poller } from './event-sources';
import { startGateway } from './gateway';
import { loadIdentity, localIssuer, type LocalIdentity } from './identity';
import { pollQueue, startLocalQueues } from './queues';
import { startLocalWorkflow } from './workflow';
import { throttle } from './throttle';
import { ENV } from '../env-names';
import { lockDataDir } from './data-dir-lock';
import { ensurePortFree } from './ports';
import { resolveSettings, type TenantOverrides, type TenantSettings } from '../settings';
import { startStripeServer, type StripeServer } from './stripe/server';

export const LOCAL_TABLE_NAME = 'crowdstart-local';
/** The key handlers use against the local Stripe server (it accepts any sk_test_ key). */
const LOCAL_STRIPE_KEY = 'sk_test_crowdstart_local';
/**
 * GET /config's publishable key with the local Stripe server: `pk_test_local…` tells a client
 * (the storefront) that no Stripe.js exists for it, so it loads nothing from the internet.
 */
export const LOCAL_PUBLISHABLE_KEY = 'pk_test_local_crowdstart';

export interface LocalStackOptions {
  /** HTTP API port; 0 takes a free one. */
  readonly port: number;
  /** Where every engine keeps its data. */
  readonly dataDir: string;
  readonly logRequests?: boolean;
  /** Called once the API answers, e.g. to seed the demo store. */
  readonly onReady?: (stack: LocalStack) => Promise<void>;
}

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly identity: LocalIdentity;
  stop(): Promise<void>;
}

/**
 * Brings the whole system up on this machine: DynamoDB Local, the table from the same schema
 * as the CDK stack, the HTTP API invoking the unchanged handlers, the JWT issuer, and the
 * event sources (table stream, schedules). Handlers find the engines through the standard AWS
 * SDK endpoint variables, so their code does not know where it runs.
 *
 * It holds DATA_DIR's lock from the first step, and a start that fails stops what it had
 * started, so a refused or failed start leaves no engine behind.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const started = [lockDataDir(dataDir)];
  const stopAll = async () => {
    while (started.length) await started.pop()!();
  };
  try {
    await ensurePortFree(options.port);
    const stack = await startEngines(options, dataDir, started, stopAll);
    await options.onReady?.(stack);
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Starts each engine in turn, pushing its stop onto `started` (stopped in reverse order). */
async function startEngines(
  options: LocalStackOptions,
  dataDir: string,
  started: (() => void | Promise<void>)[],
  stopAll: () => Promise<void>,
): Promise<LocalStack> {
  started.push(captureFunctionLogs(dataDir));
  const dynamo = await startDynamoDbLocal(dataDir);
  started.push(dynamo.stop);
  const faults = await startDynamoDbFaults(dynamo.endpoint);
  if (faults) started.push(faults.stop);
  // RECORD_CALLS=true: every invocation and the calls it makes, counted for `npm run bench`.
  const recorder = process.env.RECORD_CALLS === 'true' ? await startCallRecorder(faults?.endpoint ?? dynamo.endpoint) : undefined;
  if (recorder) started.push(recorder.stop);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    // The handlers' endpoint; the stack's own clients (table setup, stream pollers) go direct.
    AWS_ENDPOINT_URL_DYNAMODB: recorder?.endpoint ?? faults?.endpoint ?? dynamo.endpoint,
    [ENV.tableName]: LOCAL_TABLE_NAME,
  });
  applyHoldSettings(localTenantSettings());
  // The catalog read cache is off locally unless asked for (CATALOG_CACHE_SECONDS=5): tests read their own catalog writes at once.
  process.env[ENV.catalogCacheSeconds] ??= '0';
  const streamArn = await ensureTable(dynamo.client, LOCAL_TABLE_NAME);
  const sqs = await startLocalQueues(dataDir);
  started.push(sqs.stop);
  process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
  for (const queue of QUEUES) process.env[queue.urlEnvVar] = sqs.queues[queue.id].url;

  let identity: LocalIdentity | undefined;
  const gateway = await startGateway({
    port: options.port,
    identity: () => identity!,
    logRequests: options.logRequests,
    // The tenant's stage throttling (TENANT, default dev), enforced per client as 429 + Retry-After;
    // LOCAL_THROTTLE=off lifts it (the bench drives more than one client's rate).
    admit: process.env.LOCAL_THROTTLE === 'off' ? undefined : throttle(localTenantSettings().throttle),
  });
  started.push(() => {
    gateway.server.closeAllConnections();
    return new Promise((done) => gateway.server.close(() => done()));
  });
  identity = await loadIdentity(dataDir, localIssuer(gateway.port));
  // 3-D Secure returns to the local storefront's page of the order; PAYMENT_RETURN_URL overrides.
  process.env[ENV.paymentReturnUrl] ??= `http://localhost:${gateway.port}/?order={orderId}`;
  const stripe = await startLocalStripe(dataDir, `http://localhost:${gateway.port}/webhooks/stripe`);
  if (stripe) started.push(stripe.stop);
  // After Stripe and SQS: executions a previous run left RUNNING resume as soon as it starts.
  const workflow = await startLocalWorkflow({
    dataDir,
    sqsEndpoint: sqs.endpoint,
    fulfillmentQueueUrl: sqs.queues.Fulfillment.url,
    dynamoDbEndpoint: faults?.endpoint ?? dynamo.endpoint,
    tableName: LOCAL_TABLE_NAME,
  });
  started.push(workflow.stop);
  Object.assign(process.env, { AWS_ENDPOINT_URL_SFN: workflow.endpoint, [ENV.stateMachineArn]: workflow.stateMachineArn });

  const pollers: Poller[] = [
    pollTableStream({ consumers: STREAM_CONSUMERS, streamArn, endpoint: dynamo.endpoint, dataDir }),
    ...QUEUE_CONSUMERS.map((consumer) => pollQueue(consumer, sqs.queues[consumer.queue], sqs.endpoint)),
    ...SCHEDULED_JOBS.map(scheduleJob),
  ];
  started.push(() => Promise.all(pollers.map((p) => p.stop())).then(() => undefined));

  return { url: `http://localhost:${gateway.port}`, port: gateway.port, dataDir, identity, stop: stopAll };
}

/** The same settings `cdk synth` resolves: lib/settings.ts with cdk.json's `tenants` overrides. */
function localTenantSettings() {
  const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'cdk.json'), 'utf8')) as {
    context?: { tenants?: Record<string, TenantOverrides> };
  };
  return resolveSettings(process.env.TENANT ?? 'dev', cdkJson.context?.tenants ?? {});
}

/** DYNAMODB_FAULT_RATE (0..1, default 0): that share of the handlers' DynamoDB calls fail transiently. */
async function startDynamoDbFaults(endpoint: string): Promise<DynamoDbFaultProxy | undefined> {
  const rate = Number(process.env.DYNAMODB_FAULT_RATE ?? 0);
  return rate === 0 ? undefined : startDynamoDbFaultProxy(endpoint, rate); // throws on a rate outside 0..1
}

/**
 * The hold rules the tenant's stack passes its functions (lib/crowdstart-stack.ts), for the
 * in-process handlers; an env var of the same name, e.g. HOLD_TTL_SECONDS=5, overrides.
 */
function applyHoldSettings(settings: TenantSettings): void {
  process.env[ENV.holdTtlSeconds] ??= String(settings.holdTtlSeconds);
  process.env[ENV.holdMaxLifetimeSeconds] ??= String(settings.holdMaxLifetimeSeconds);
  process.env[ENV.maxUnitsPerCustomer] ??= String(settings.maxUnitsPerCustomer);
  process.env[ENV.tenant] ??= settings.tenant; // the business metrics' tenant dimension
  // Locally merchants' endpoints are this machine's: tests receive webhooks on 127.0.0.1.
  process.env[ENV.webhookUrlPolicy] ??= 'allow-private';
}

/**
 * The local Stripe server, unless STRIPE_SECRET_KEY names a real test account (then the same
 * handlers talk to Stripe, and STRIPE_WEBHOOK_SECRET and STRIPE_PUBLISHABLE_KEY come from the
 * environment too, the publishable key else from the tenant's settings).
 * STRIPE_FAILURE_RATE (0..1) makes that share of Stripe calls fail as lost responses.
 */
async function startLocalStripe(dataDir: string, webhookUrl: string): Promise<StripeServer | undefined> {
  const configuredKey = process.env[ENV.stripeSecretKey];
  if (configuredKey && configuredKey !== LOCAL_STRIPE_KEY) {
    const tenantKey = localTenantSettings().stripePublishableKey; // the account's pk_test_…
    if (tenantKey) process.env[ENV.stripePublishableKey] ??= tenantKey;
    return undefined;
  }
  const server = await startStripeServer({
    port: 0,
    dataDir,
    failureRate: Number(process.env.STRIPE_FAILURE_RATE ?? 0),
    // Like a Stripe endpoint's enabled events: only what the webhook consumer acts on.
    webhook: { url: webhookUrl, events: STRIPE_WEBHOOK_EVENTS },
  });
  Object.assign(process.env, {
    [ENV.stripeApiUrl]: server.url,
    [ENV.stripeSecretKey]: LOCAL_STRIPE_KEY,
    [ENV.stripeWebhookSecret]: server.webhookSecret,
    [ENV.stripePublishableKey]: LOCAL_PUBLISHABLE_KEY,
  });
  return server;
}
