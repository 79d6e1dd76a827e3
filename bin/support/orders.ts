import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { orderKeys } from '../../functions/adapters/dynamodb/keys';
import { localCredentials } from '../../lib/local/dynamodb';
import { LOCAL_TABLE_NAME } from '../../lib/local/stack';
import { LOCAL_STATE_MACHINE_ARN } from '../../lib/local/workflow';
/**
 * Helpers for the checkout and order tests: a stocked cart, checkout, bounded waits for an
 * order's status, and inspection clients for the stack's engines (the local Stripe server
 * through the real `stripe` SDK, the fauxqs SQS server through @aws-sdk/client-sqs), whose
 * endpoints come from the ready banner's `engines` line (CROWDSTART_<ENGINE>_URL).
 */
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import type { ApiResult, BodyAt, RouteInput } from './api';
import { createSku, type Api } from './skus';

export const SHIPPING = { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

/** An order as its customer sees it (the contract's order view). */
export type OrderView = BodyAt<'get-order', 200>;

/** A new customer with `quantity` units of a fresh SKU (of `stock` units, at `price`) in the cart. */
export async function customerWithCart(api: Api, options: { stock?: number; quantity?: number; price?: number } = {}) {
  const { stock = 10, quantity = 2, price = 1500 } = options;
  const sku = await createSku(api, stock, price);
  const token = await api.customerToken();
  (await api.route('add-cart-item', { token, body: { sku, quantity }, headers: { 'idempotency-key': randomUUID() } })).expectStatus(201);
  return { sku, token, quantity, price, stock };
}

/**
 * POST /checkout with a fresh (or the given) Idempotency-Key, its answer checked against the
 * contract. The body is loosely typed so tests can send invalid ones (documented 400s), and so is
 * the answer, for the many tests that read it untyped; `api.route('checkout', …)` types both.
 */
export async function checkout(api: Api, token: string, body: Record<string, unknown>, key: string = randomUUID()): Promise<ApiResult> {
  return api.route('checkout', { token, body: body as RouteInput<'checkout'>['body'], headers: { 'idempotency-key': key } });
}

/** Polls GET /orders/{id} until the order is in one of `statuses`; fails with the last state otherwise. */
export async function waitForStatus(api: Api, token: string, orderId: string, statuses: string | string[], timeoutMs = 20_000) {
  const wanted = ([] as string[]).concat(statuses);
  const deadline = Date.now() + timeoutMs;
  let last: OrderView | undefined;
  while (Date.now() < deadline) {
    const res = await api.route('get-order', { token, params: { orderId } });
    if (res.status === 200) last = res.expectStatus(200);
    if (last && wanted.includes(last.status)) return last;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`order ${orderId} did not reach ${wanted.join('|')} in ${timeoutMs} ms; last seen ${JSON.stringify(last)}`);
}

/** Retries an admin call answered 409 ORDER_BUSY (the workflow has not recorded its wait yet). */
export async function whenNotBusy<T extends { status: number; body: any }>(call: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call();
    const busy = res.status === 409 && ['ORDER_BUSY', 'PAYMENT_IN_PROGRESS'].includes(res.body?.error?.code);
    if (!busy || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The `stripe` SDK pointed at a stack's local Stripe server. */
export function stripeClient(url = engineUrl('stripe')): Stripe {
  const { hostname, port, protocol } = new URL(url);
  return new Stripe('sk_test_crowdstart_tests', { host: hostname, port, protocol: protocol.replace(':', '') as 'http', maxNetworkRetries: 3 });
}

/** Every PaymentIntent of the local Stripe server that pays for `orderId` (metadata.orderId). */
export async function paymentIntentsOf(stripe: Stripe, orderId: string): Promise<Stripe.PaymentIntent[]> {
  const found: Stripe.PaymentIntent[] = [];
  for await (const intent of stripe.paymentIntents.list({ limit: 100 })) if (intent.metadata?.orderId === orderId) found.push(intent);
  return found;
}

/** A local-only Stripe helper route (`/_local/…`), e.g. finishing 3-D Secure. */
export async function stripeLocal(path: string, body: unknown, url = engineUrl('stripe')) {
  const res = await fetch(`${url}/_local/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

/** An SQS client for a stack's fauxqs server and the URL of one of its queues. */
export async function stackQueue(queueId: string, url = engineUrl('sqs')) {
  const sqs = new SQSClient({
    endpoint: url,
    useQueueUrlAsEndpoint: false,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `crowdstart-local-${queueId}` }));
  return { sqs, queueUrl: QueueUrl! };
}

/** The endpoint of one of the global stack's engines, from the ready banner. */
export function engineUrl(engine: 'stripe' | 'sqs' | 'sfn' | 'dynamodb'): string {
  const url = process.env[`CROWDSTART_${engine.toUpperCase()}_URL`];
  if (!url) throw new Error(`The stack did not report its ${engine} endpoint (bin/dev.ts "engines" line)`);
  return url;
}

/** A Step Functions client for a stack's local endpoint (`engines.sfn`). */
export function sfnClient(endpoint: string | undefined): SFNClient {
  if (!endpoint) throw new Error('The stack did not report its Step Functions endpoint');
  return new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** The execution of an order's workflow: its name is the order id. */
export const executionArnOf = (orderId: string) =>
  LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:') + `:${orderId}`;

/** Every event of an execution's history, all pages. */
export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/**
 * Rewrites a stack's order item directly (DynamoDB Local through the document client), for the
 * tests that need a state the API cannot produce on demand: a write that a crash lost, say.
 */
export async function rewriteOrderItem(
  endpoint: string,
  orderId: string,
  update: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): Promise<void> {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials }));
  await dynamo.send(
    new UpdateCommand({
      TableName: LOCAL_TABLE_NAME,
      Key: orderKeys.order(orderId),
      UpdateExpression: update.expression,
      ...(update.names ? { ExpressionAttributeNames: update.names } : {}),
      ...(update.values ? { ExpressionAttributeValues: update.values } : {}),
    }),
  );
  dynamo.destroy();
}

/** Deletes an item of a stack's table by key (see rewriteOrderItem). */
export async function deleteTableItem(endpoint: string, key: { pk: string; sk: string }): Promise<void> {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials }));
  await dynamo.send(new DeleteCommand({ TableName: LOCAL_TABLE_NAME, Key: key }));
  dynamo.destroy();
}
