/**
 * The soak's end: it turns the injected faults off (so the inspection itself is not flaky),
 * empties every cart, lets the workflows settle, then takes every order that is not finished
 * out through the action that exists for its status (the customer cancels one waiting for
 * 3-D Secure, the merchant ships a paid one and confirms a shipped one), and checks what must
 * hold whatever the timing of faults and crashes was:
 *
 * | check                     | holds when                                                                      |
 * | ------------------------- | ------------------------------------------------------------------------------- |
 * | orders match checkouts    | every accepted checkout has its order, and every order is a checkout a customer sent |
 * | payment matches status    | COMPLETED/FULFILLED/PAID/REFUNDED: one succeeded charge of the total (refunded only if the payment says so); CANCELLED: none kept; PAYMENT_FAILED: none taken |
 * | every charge has an order | each succeeded PaymentIntent of the Stripe server names an existing order       |
 * | stock                     | per SKU: the invariant, nothing held or reserved, and sold = the units of orders that keep their goods (a return unless restocked) |
 * | no message lost           | every status change published to OrderEvents; what is still queued, in a DLQ or in the stream-failure log printed |
 * | a way out for every order | every order ends terminal, through an action that worked; its execution SUCCEEDED |
 */
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';
import { orderIdFor } from '../../../functions/adapters/dynamodb/order-repository';
import { QUEUES } from '../../../lib/consumers';
import { invariantViolations, type Inventory } from '../skus';
import { executionArnOf, sfnClient, stackQueue, stripeClient, type OrderView } from '../orders';
import type { SoakClient } from './client';
import { adminAction, count, emptyCart, type Ledger } from './scenario';
import type { SoakStack } from './stack';

export interface CheckResult {
  readonly name: string;
  readonly violations: string[];
}

export interface SoakEnd {
  readonly checks: CheckResult[];
  /** Dead letters and parked stream batches: acceptable only because they are reported (and alarmed on AWS). */
  readonly reported: string[];
  readonly finalStatuses: Record<string, number>;
  readonly orders: number;
}

type AdminOrder = OrderView & { customerId: string };

const TERMINAL = ['COMPLETED', 'CANCELLED', 'PAYMENT_FAILED', 'REFUNDED'];
/** Orders in these statuses were paid; all but a refunded one keep their charge. */
const SELLING = ['PAID', 'FULFILLED', 'COMPLETED'];
const PAID_ONCE = [...SELLING, 'REFUNDED'];
/** A return (REFUNDED) keeps its units sold unless the merchant restocked them. */
const keepsUnits = (order: AdminOrder) => SELLING.includes(order.status) || (order.status === 'REFUNDED' && !order.refund?.restock);
/** A message in flight at a crash comes back after its queue's visibility timeout (60 s). */
const REDELIVERY_MS = 75_000;

export async function finishAndCheck(client: SoakClient, stack: SoakStack, ledger: Ledger, log: (line: string) => void): Promise<SoakEnd> {
  const admin = await client.token('soak-checker', true);
  log('turning the injected faults off for the inspection …');
  await faultsOff(stack);
  log('emptying every cart …');
  await Promise.all(ledger.customers.map((c) => emptyCart(client, ledger, c.token, Date.now() + 120_000)));
  log('waiting for the workflows to settle …');
  await eventually(async () => (await allOrders(client, admin)).filter((o) => o.status === 'PENDING'), (pending) => pending.length === 0, 90_000);
  log('taking every unfinished order out through its action …');
  const wayOut = await takeEveryOrderOut(client, ledger, admin);
  const orders = await eventually(() => allOrders(client, admin), (all) => all.every((o) => TERMINAL.includes(o.status)), REDELIVERY_MS);
  log(`inspecting ${orders.length} orders, ${ledger.skus.length} SKUs, the Stripe server and the queues …`);
  const messages = await checkMessages(stack, orders);
  const checks: CheckResult[] = [
    { name: 'orders match checkouts', violations: checkOrdersMatchCheckouts(ledger, orders) },
    ...(await checkPayments(stripeClient(stack.engines().stripe), orders)),
    { name: 'stock', violations: await checkStock(client, admin, ledger, orders) },
    { name: 'no message lost', violations: messages.violations },
    { name: 'a way out for every order', violations: [...wayOut, ...(await checkWayOut(stack, orders))] },
    { name: 'answers a correct client gets', violations: ledger.unexpected },
  ];
  const finalStatuses: Record<string, number> = {};
  for (const order of orders) finalStatuses[order.status] = (finalStatuses[order.status] ?? 0) + 1;
  return { checks, reported: messages.reported, finalStatuses, orders: orders.length };
}

async function faultsOff(stack: SoakStack): Promise<void> {
  const { stripe, dynamodb } = stack.engines();
  await postJson(`${stripe}/_local/faults`, { failureRate: 0 });
  // Only the fault proxy answers this; without injected faults the endpoint is DynamoDB Local itself.
  if (Number(stack.env.DYNAMODB_FAULT_RATE ?? 0) > 0) await postJson(`${dynamodb}/_local/faults`, { rate: 0 });
}

async function postJson(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** Every order of the store, all pages (GET /admin/orders). */
async function allOrders(client: SoakClient, admin: string): Promise<AdminOrder[]> {
  const orders: AdminOrder[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await client.request('GET', `/admin/orders?limit=100${query}`, { token: admin });
    if (page.status !== 200) throw new Error(`GET /admin/orders answered ${page.status}`);
    orders.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return orders;
}

/**
 * The action each unfinished status offers, tried on every such order: it must be accepted
 * (after the retries a busy order asks for) and lead to a terminal status.
 */
async function takeEveryOrderOut(client: SoakClient, ledger: Ledger, admin: string): Promise<string[]> {
  const problems: string[] = [];
  const ownerToken = new Map(ledger.customers.map((c) => [c.sub, c.token]));
  const steps: Record<string, (order: AdminOrder) => Promise<{ status: number | 'unknown'; body?: any }>> = {
    REQUIRES_ACTION: (o) => client.request('POST', `/orders/${o.id}/cancel`, { token: ownerToken.get(o.customerId)! }),
    PAID: (o) => adminAction(client, ledger, admin, o.id, 'fulfillment', Date.now() + 120_000),
    FULFILLED: (o) => adminAction(client, ledger, admin, o.id, 'delivered', Date.now() + 120_000),
  };
  for (let round = 0; round < 3; round++) {
    const open = (await allOrders(client, admin)).filter((o) => !TERMINAL.includes(o.status));
    if (open.length === 0) return problems;
    await Promise.all(
      open.map(async (order) => {
        const step = steps[order.status];
        if (!step) return problems.push(`${order.id} is ${order.status}: no action exists for it`);
        const res = await untilNotBusy(() => step(order));
        if (res.status === 202) return count(ledger, `way out from ${order.status}`);
        // The order may have moved on by itself (an auto-completion, a late webhook): decided next round.
        if (res.status !== 409) problems.push(`${order.id} is ${order.status}: its action answered ${res.status} ${JSON.stringify(res.body)}`);
      }),
    );
    await sleep(2000);
  }
  return problems;
}

/** Retries while the order is busy: after a crash its wait is recorded only once the queue redelivers. */
async function untilNotBusy<T extends { status: number | 'unknown'; body?: any }>(call: () => Promise<T>): Promise<T> {
  const until = Date.now() + REDELIVERY_MS;
  for (;;) {
    const res = await call();
    const busy = res.status === 409 && ['ORDER_BUSY', 'PAYMENT_IN_PROGRESS'].includes(res.body?.error?.code);
    if (!busy || Date.now() > until) return res;
    await sleep(1000);
  }
}

function checkOrdersMatchCheckouts(ledger: Ledger, orders: AdminOrder[]): string[] {
  const problems: string[] = [];
  const byId = new Map(orders.map((o) => [o.id, o]));
  const possible = new Map<string, string>(); // order id → customer, for every checkout key sent
  for (const customer of ledger.customers) {
    for (const checkout of customer.checkouts) {
      const id = orderIdFor(customer.sub, checkout.key);
      possible.set(id, customer.sub);
      if (checkout.orderId && checkout.orderId !== id) problems.push(`checkout ${checkout.key} was answered with ${checkout.orderId}, expected ${id}`);
      if (checkout.orderId && !byId.has(checkout.orderId)) problems.push(`accepted checkout ${checkout.orderId} has no order`);
    }
  }
  for (const order of orders) {
    const owner = possible.get(order.id);
    if (!owner) problems.push(`order ${order.id} answers no checkout a customer sent`);
    else if (owner !== order.customerId) problems.push(`order ${order.id} belongs to ${order.customerId}, placed by ${owner}`);
  }
  return problems;
}

/** Each order against the PaymentIntents (and their charges) the Stripe server holds for it. */
async function checkPayments(stripe: Stripe, orders: AdminOrder[]): Promise<CheckResult[]> {
  const intents = new Map<string, Stripe.PaymentIntent[]>();
  const orphans: string[] = [];
  const known = new Set(orders.map((o) => o.id));
  for await (const intent of stripe.paymentIntents.list({ limit: 100 })) {
    const orderId = intent.metadata?.orderId;
    if (intent.status === 'succeeded' && !(orderId && known.has(orderId))) orphans.push(`${intent.id} (succeeded, ${intent.amount}) names no order: ${orderId}`);
    if (orderId) intents.set(orderId, [...(intents.get(orderId) ?? []), intent]);
  }
  const mismatches: string[] = [];
  for (const order of orders) {
    const succeeded = (intents.get(order.id) ?? []).filter((i) => i.status === 'succeeded');
    const charges = await Promise.all(succeeded.map((i) => stripe.charges.retrieve(String(i.latest_charge))));
    const kept = charges.filter((c) => c.status === 'succeeded' && c.amount_refunded < c.amount);
    const refunded = charges.filter((c) => c.refunded);
    const where = `${order.id} ${order.status} (payment ${order.payment.status})`;
    if (succeeded.length > 1) mismatches.push(`${where}: ${succeeded.length} succeeded PaymentIntents ${succeeded.map((i) => i.id).join(', ')}`);
    if (PAID_ONCE.includes(order.status)) {
      const wantRefunded = order.payment.status === 'refunded';
      const good = wantRefunded ? refunded : kept;
      if (good.length !== 1) mismatches.push(`${where}: ${kept.length} kept and ${refunded.length} refunded charges`);
      else if (good[0]!.amount !== order.total.amount) mismatches.push(`${where}: charged ${good[0]!.amount}, total ${order.total.amount}`);
      else if (succeeded[0]!.id !== order.payment.paymentIntentId) mismatches.push(`${where}: paid by ${succeeded[0]!.id}, order names ${order.payment.paymentIntentId}`);
    } else if (kept.length > 0) {
      mismatches.push(`${where}: keeps ${kept.length} charge(s) of ${kept.map((c) => c.amount).join(', ')}`);
    }
  }
  return [
    { name: 'payment matches status', violations: mismatches },
    { name: 'every charge has an order', violations: orphans },
  ];
}

async function checkStock(client: SoakClient, admin: string, ledger: Ledger, orders: AdminOrder[]): Promise<string[]> {
  const sold = new Map<string, number>();
  for (const order of orders.filter(keepsUnits)) {
    for (const line of order.items) sold.set(line.sku, (sold.get(line.sku) ?? 0) + line.quantity);
  }
  const problems: string[] = [];
  for (const sku of ledger.skus) {
    // Holds of carts emptied just now, or expiring, may need a sweep to come back.
    const stock = await eventually(
      async () => (await client.request<Inventory>('GET', `/admin/inventory/${sku}`, { token: admin })).body as Inventory,
      (s) => s.held === 0 && s.reserved === 0,
      30_000,
    );
    const expected = { held: 0, reserved: 0, sold: sold.get(sku) ?? 0 };
    const wrong = invariantViolations(stock);
    for (const [field, value] of Object.entries(expected)) {
      if (stock[field as keyof typeof expected] !== value) wrong.push(`${field} ${stock[field as keyof typeof expected]}, expected ${value}`);
    }
    if (wrong.length) problems.push(`${sku} ${JSON.stringify(stock)}: ${wrong.join('; ')}`);
  }
  return problems;
}

/**
 * Every status an order went through published to OrderEvents (the outbox path: table stream →
 * consumer → queue, across crashes), and what is still queued, sits in a DLQ or in the
 * stream-failure log printed. The other queues' work shows in the orders: a lost fulfillment
 * request or Stripe event would leave its order without a way out.
 */
async function checkMessages(stack: SoakStack, orders: AdminOrder[]): Promise<{ violations: string[]; reported: string[] }> {
  const violations: string[] = [];
  const reported: string[] = [];
  const sqsUrl = stack.engines().sqs!;
  for (const queue of QUEUES) {
    const dlq = await stackQueue(`${queue.id}-dlq`, sqsUrl);
    for (const message of await drain(dlq.sqs, dlq.queueUrl)) reported.push(`DLQ ${queue.id}: ${message}`);
    if (queue.id === 'OrderEvents') continue; // merchants consume it; checked against the orders below
    // Still queued is not lost: a message a crash caught in flight comes back after its visibility
    // timeout (and a Stripe event claimed when the stack died, after its claim's lock too).
    const main = await stackQueue(queue.id, sqsUrl);
    const left = await eventually(() => depth(main.sqs, main.queueUrl), (n) => n === 0, 10_000);
    if (left > 0) reported.push(`queue ${queue.id} still holds ${left} message(s), to be redelivered`);
  }
  const events = await stackQueue('OrderEvents', sqsUrl);
  const published = new Map<string, Set<string>>();
  for (const body of await drain(events.sqs, events.queueUrl)) {
    const event = JSON.parse(body) as { orderId: string; to: string };
    published.set(event.orderId, (published.get(event.orderId) ?? new Set()).add(event.to));
  }
  for (const order of orders) {
    const missing = order.history.map((h) => h.status).filter((s) => !published.get(order.id)?.has(s));
    if (missing.length) violations.push(`${order.id}: no OrderEvents message for ${missing.join(', ')}`);
  }
  const failures = join(stack.dataDir, 'stream-failures.jsonl');
  if (existsSync(failures)) {
    for (const line of readFileSync(failures, 'utf8').split('\n').filter(Boolean)) reported.push(`stream failure: ${line.slice(0, 500)}`);
  }
  return { violations, reported };
}

async function depth(sqs: Awaited<ReturnType<typeof stackQueue>>['sqs'], queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** Every message body of a queue, received (and hidden for the rest of the run), none deleted. */
async function drain(sqs: Awaited<ReturnType<typeof stackQueue>>['sqs'], queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 900, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) empty++;
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
  return bodies;
}

/** Every order terminal, with its execution SUCCEEDED (a FAILED one would raise the workflow alarm). */
async function checkWayOut(stack: SoakStack, orders: AdminOrder[]): Promise<string[]> {
  const problems = orders.filter((o) => !TERMINAL.includes(o.status)).map((o) => `${o.id} still ${o.status}`);
  const sfn = sfnClient(stack.engines().sfn);
  try {
    for (const order of orders) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(order.id) })).catch((error: Error) => error);
      if (execution instanceof Error) problems.push(`${order.id}: no execution (${execution.name})`);
      else if (execution.status !== 'SUCCEEDED') problems.push(`${order.id} ${order.status}: execution ${execution.status} ${execution.error ?? ''} ${execution.cause ?? ''}`.trim());
    }
  } finally {
    sfn.destroy();
  }
  return problems;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < until) {
    await sleep(1000);
    value = await read();
  }
  return value;
}
