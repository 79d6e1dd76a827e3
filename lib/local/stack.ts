import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { QUEUE_CONSUMERS, QUEUES, SCHEDULED_JOBS, STREAM_CONSUMERS } from '../consumers';
import { ensureTable, localCredentials, startDynamoDbLocal } from './dynamodb';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from './dynamodb-faults';
import { pollTableStream, scheduleJob, type Poller } from './event-sources';
import { startGateway } from './gateway';
import { loadIdentity, localIssuer, type LocalIdentity } from './identity';
import { pollQueue, startLocalQueues } from './queues';
import { startLocalWorkflow } from './workflow';
import { throttle } from './throttle';
import { resolveSettings, type TenantOverrides } from '../settings';
import { startStripeServer, type StripeServer } from './stripe/server';

export const LOCAL_TABLE_NAME = 'crowdstart-local';
/** The key handlers use against the local Stripe server (it accepts any sk_test_ key). */
const LOCAL_STRIPE_KEY = 'sk_test_crowdstart_local';

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
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const dynamo = await startDynamoDbLocal(dataDir);
  const faults = await startDynamoDbFaults(dynamo.endpoint);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    // The handlers' endpoint; the stack's own clients (table setup, stream pollers) go direct.
    AWS_ENDPOINT_URL_DYNAMODB: faults?.endpoint ?? dynamo.endpoint,
    TABLE_NAME: LOCAL_TABLE_NAME,
  });
  const streamArn = await ensureTable(dynamo.client, LOCAL_TABLE_NAME);
  const sqs = await startLocalQueues(dataDir);
  process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
  for (const queue of QUEUES) process.env[queue.urlEnvVar] = sqs.queues[queue.id].url;

  let identity: LocalIdentity | undefined;
  const gateway = await startGateway({
    port: options.port,
    identity: () => identity!,
    logRequests: options.logRequests,
    // The tenant's stage throttling (TENANT, default dev), enforced per client as 429 + Retry-After.
    admit: throttle(localTenantSettings().throttle),
  });
  identity = await loadIdentity(dataDir, localIssuer(gateway.port));
  const stripe = await startLocalStripe(dataDir, `http://localhost:${gateway.port}/webhooks/stripe`);
  // After Stripe and SQS: executions a previous run left RUNNING resume as soon as it starts.
  const workflow = await startLocalWorkflow({ dataDir, sqsEndpoint: sqs.endpoint, fulfillmentQueueUrl: sqs.queues.Fulfillment.url });
  Object.assign(process.env, { AWS_ENDPOINT_URL_SFN: workflow.endpoint, STATE_MACHINE_ARN: workflow.stateMachineArn });

  const pollers: Poller[] = [
    ...STREAM_CONSUMERS.map((consumer) =>
      pollTableStream({ consumer, streamArn, endpoint: dynamo.endpoint, dataDir }),
    ),
    ...QUEUE_CONSUMERS.map((consumer) => pollQueue(consumer, sqs.queues[consumer.queue], sqs.endpoint)),
    ...SCHEDULED_JOBS.map(scheduleJob),
  ];

  const stack: LocalStack = {
    url: `http://localhost:${gateway.port}`,
    port: gateway.port,
    dataDir,
    identity,
    stop: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      await workflow.stop();
      gateway.server.closeAllConnections();
      await new Promise((done) => gateway.server.close(done));
      await stripe?.stop();
      await sqs.stop();
      await faults?.stop();
      await dynamo.stop();
    },
  };
  await options.onReady?.(stack);
  return stack;
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
 * The local Stripe server, unless STRIPE_SECRET_KEY names a real test account (then the same
 * handlers talk to Stripe and STRIPE_WEBHOOK_SECRET must come from the environment too).
 * STRIPE_FAILURE_RATE (0..1) makes that share of Stripe calls fail as lost responses.
 */
async function startLocalStripe(dataDir: string, webhookUrl: string): Promise<StripeServer | undefined> {
  const configuredKey = process.env.STRIPE_SECRET_KEY;
  if (configuredKey && configuredKey !== LOCAL_STRIPE_KEY) return undefined;
  const server = await startStripeServer({
    port: 0,
    dataDir,
    failureRate: Number(process.env.STRIPE_FAILURE_RATE ?? 0),
    // Like a Stripe endpoint's enabled events: only what the webhook consumer acts on.
    webhook: { url: webhookUrl, events: ['payment_intent.succeeded', 'payment_intent.payment_failed'] },
  });
  Object.assign(process.env, {
    STRIPE_API_URL: server.url,
    STRIPE_SECRET_KEY: LOCAL_STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: server.webhookSecret,
  });
  return server;
}
