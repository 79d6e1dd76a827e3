/**
 * What the soak's customers and merchant do until the deadline, and what they remember for the
 * checks (the ledger): each customer fills a cart with random SKUs, changes and drops lines, then
 * abandons it, empties it or checks out with a card that pays, is declined or needs 3-D Secure;
 * some cancel, some authenticate, some never do. The merchant ships, refunds, confirms delivery
 * and restocks. Every mutation goes through the retrying client with its own Idempotency-Key.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SHIPPING } from '../orders';
import type { SoakClient } from './client';
import type { SoakStack } from './stack';

export interface CustomerRecord {
  readonly sub: string;
  readonly token: string;
  /** Every checkout key sent, with the order id it was answered with (undefined: refused, or in doubt). */
  readonly checkouts: { key: string; orderId?: string; inDoubt: boolean }[];
}

export interface Ledger {
  readonly skus: string[];
  readonly customers: CustomerRecord[];
  readonly counts: Record<string, number>;
  /** Answers a correct client should never get (e.g. 400 for a well-formed request, 422 on a retry). */
  readonly unexpected: string[];
}

export const CARDS = ['pm_card_visa', 'pm_card_chargeDeclined', 'pm_card_authenticationRequired'] as const;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
const chance = (p: number) => Math.random() < p;

export function newLedger(skus: string[]): Ledger {
  return { skus, customers: [], counts: {}, unexpected: [] };
}

export function count(ledger: Ledger, what: string, by = 1): void {
  ledger.counts[what] = (ledger.counts[what] ?? 0) + by;
}

/** Records an answer outside `expected` statuses as unexpected (in doubt is expected: it is counted). */
function expectStatus(ledger: Ledger, what: string, answer: { status: number | 'unknown'; body?: any }, expected: number[]): boolean {
  if (answer.status === 'unknown') {
    count(ledger, `${what}: in doubt`);
    return false;
  }
  if (expected.includes(answer.status)) return true;
  if (answer.status === 409) {
    count(ledger, `${what}: 409 ${answer.body?.error?.code}`);
    return false;
  }
  ledger.unexpected.push(`${what} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
  return false;
}

/** What every actor of a run shares. */
export interface Run {
  readonly client: SoakClient;
  readonly stack: SoakStack;
  readonly ledger: Ledger;
  /** No new session or merchant round starts after this moment. */
  readonly deadline: number;
  /** An operation started before the deadline keeps retrying until this one, then counts as in doubt. */
  readonly opDeadline: number;
}

/** One customer, session after session until the run's deadline. */
export async function runCustomer(run: Run, index: number): Promise<void> {
  const { client, stack, ledger, deadline, opDeadline } = run;
  const sub = `soak-customer-${index}-${randomUUID().slice(0, 8)}`;
  const customer: CustomerRecord = { sub, token: await client.token(sub), checkouts: [] };
  ledger.customers.push(customer);
  while (Date.now() < deadline) {
    await session(client, stack, ledger, customer, opDeadline);
    await sleep(between(50, 400));
  }
}

async function session(client: SoakClient, stack: SoakStack, ledger: Ledger, customer: CustomerRecord, opDeadline: number) {
  const { token } = customer;
  for (const sku of new Set(Array.from({ length: between(1, 3) }, () => pick(ledger.skus)))) {
    const added = await client.request('POST', '/cart/items', { token, body: { sku, quantity: between(1, 3) }, deadline: opDeadline });
    if (expectStatus(ledger, 'cart add', added, [200, 201])) count(ledger, 'cart adds');
  }
  if (chance(0.2)) {
    const sku = pick(ledger.skus);
    const changed = await client.request('PATCH', `/cart/items/${sku}`, { token, body: { quantity: between(1, 3) }, deadline: opDeadline });
    expectStatus(ledger, 'cart change', changed, [200, 404]);
  }
  if (chance(0.15)) {
    const removed = await client.request('DELETE', `/cart/items/${pick(ledger.skus)}`, { token, deadline: opDeadline });
    expectStatus(ledger, 'cart remove', removed, [204, 404]);
  }
  const next = Math.random();
  if (next < 0.1) return emptyCart(client, ledger, token, opDeadline);
  if (next < 0.2) return count(ledger, 'carts abandoned');
  await checkoutAndFollow(client, stack, ledger, customer, opDeadline);
}

/** Releases every line of the customer's cart (DELETE each); also the soak's last step per customer. */
export async function emptyCart(client: SoakClient, ledger: Ledger, token: string, deadline: number): Promise<void> {
  const cart = await client.request('GET', '/cart', { token, deadline });
  if (!expectStatus(ledger, 'cart read', cart, [200])) return;
  for (const line of cart.body.items as { sku: string }[]) {
    const removed = await client.request('DELETE', `/cart/items/${line.sku}`, { token, deadline });
    expectStatus(ledger, 'cart remove', removed, [204, 404]);
  }
}

async function checkoutAndFollow(client: SoakClient, stack: SoakStack, ledger: Ledger, customer: CustomerRecord, deadline: number) {
  const card = Math.random() < 0.7 ? CARDS[0] : pick(CARDS.slice(1));
  const record: CustomerRecord['checkouts'][number] = { key: randomUUID(), inDoubt: false };
  customer.checkouts.push(record);
  count(ledger, 'checkouts');
  const placed = await client.request('POST', '/checkout', {
    token: customer.token,
    key: record.key,
    body: { paymentMethodId: card, shippingAddress: SHIPPING },
    deadline,
  });
  record.inDoubt = placed.status === 'unknown';
  if (!expectStatus(ledger, 'checkout', placed, [202])) return;
  record.orderId = placed.body.id as string;
  count(ledger, 'checkouts accepted');
  if (chance(0.15)) return cancel(client, ledger, customer.token, record.orderId, deadline);
  const settled = await waitWhile(client, customer.token, record.orderId, ['PENDING'], 20_000);
  if (settled === 'REQUIRES_ACTION') {
    const choice = Math.random();
    if (choice < 0.6) return authenticate(client, stack, ledger, customer, record.orderId, 'succeed');
    if (choice < 0.8) return authenticate(client, stack, ledger, customer, record.orderId, 'fail');
    if (choice < 0.9) return cancel(client, ledger, customer.token, record.orderId, deadline);
    return count(ledger, '3-D Secure left waiting');
  }
  if (settled === 'PAID' && chance(0.1)) await cancel(client, ledger, customer.token, record.orderId, deadline);
}

/** The customer's cancel; retried while the order is busy (its workflow has not reached a wait). */
async function cancel(client: SoakClient, ledger: Ledger, token: string, orderId: string, deadline: number) {
  const until = Math.min(deadline, Date.now() + 30_000);
  for (;;) {
    const res = await client.request('POST', `/orders/${orderId}/cancel`, { token, deadline });
    const busy = res.status === 409 && ['ORDER_BUSY', 'PAYMENT_IN_PROGRESS'].includes(res.body?.error?.code);
    if (!busy || Date.now() > until) {
      if (expectStatus(ledger, 'cancel', res, [202])) count(ledger, 'cancels accepted');
      return;
    }
    await sleep(500);
  }
}

/** What the bank page does: the local Stripe server's 3-D Secure completion (its port moves on a restart). */
async function authenticate(client: SoakClient, stack: SoakStack, ledger: Ledger, customer: CustomerRecord, orderId: string, outcome: 'succeed' | 'fail') {
  const order = await client.request('GET', `/orders/${orderId}`, { token: customer.token });
  const intentId = order.status === 200 ? (order.body.payment.paymentIntentId as string | null) : null;
  if (!intentId) return;
  for (let attempt = 1; attempt <= 20; attempt++) {
    try {
      const res = await fetch(`${stack.engines().stripe}/_local/payment_intents/${intentId}/authenticate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome }),
        signal: AbortSignal.timeout(10_000),
      });
      count(ledger, res.ok ? `3-D Secure ${outcome}` : `3-D Secure ${outcome}: ${res.status}`);
      return;
    } catch {
      await sleep(1000); // the stack is restarting
    }
  }
}

/** Polls the order while it is in one of `statuses`; the status it left for (or still has at the timeout). */
export async function waitWhile(client: SoakClient, token: string, orderId: string, statuses: string[], timeoutMs: number): Promise<string | undefined> {
  const until = Date.now() + timeoutMs;
  let status: string | undefined;
  do {
    const res = await client.request('GET', `/orders/${orderId}`, { token, deadline: until });
    if (res.status === 200) status = res.body.status;
    if (status && !statuses.includes(status)) return status;
    await sleep(300);
  } while (Date.now() < until);
  return status;
}

/** The merchant: ships, refunds and confirms paid and shipped orders, and restocks now and then. */
export async function runMerchant(run: Run): Promise<void> {
  const { client, ledger, deadline, opDeadline } = run;
  const token = await client.token(`soak-ops-${randomUUID().slice(0, 8)}`, true);
  for (let round = 0; Date.now() < deadline; round++) {
    for (const order of await listByStatus(client, token, 'PAID', opDeadline)) {
      const choice = Math.random();
      if (choice < 0.6) await adminAction(client, ledger, token, order.id, 'fulfillment', opDeadline);
      else if (choice < 0.75) await adminAction(client, ledger, token, order.id, 'refund', opDeadline);
    }
    for (const order of await listByStatus(client, token, 'FULFILLED', opDeadline)) {
      const choice = Math.random();
      if (choice < 0.4) await adminAction(client, ledger, token, order.id, 'delivered', opDeadline);
      else if (choice < 0.5 && order.payment.status === 'succeeded') await adminAction(client, ledger, token, order.id, 'refund', opDeadline);
    }
    if (round % 4 === 3) {
      const restocked = await client.request('POST', `/admin/inventory/${pick(ledger.skus)}/adjust`, { token, body: { delta: 3 }, deadline: opDeadline });
      if (expectStatus(ledger, 'restock', restocked, [200])) count(ledger, 'restocks');
    }
    await sleep(1000);
  }
}

async function listByStatus(client: SoakClient, token: string, status: string, deadline: number): Promise<any[]> {
  const res = await client.request('GET', `/admin/orders?status=${status}&limit=10`, { token, deadline });
  return res.status === 200 ? res.body.items : [];
}

const ACTION_BODY: Record<string, unknown> = { fulfillment: { carrier: 'DHL', trackingNumber: 'JD014600006281234567' } };

/** One admin action on an order; 409s (busy, or the order moved on) are answers, counted. */
export async function adminAction(client: SoakClient, ledger: Ledger, token: string, orderId: string, action: 'fulfillment' | 'refund' | 'delivered', deadline: number) {
  const res = await client.request('POST', `/admin/orders/${orderId}/${action}`, { token, body: ACTION_BODY[action], deadline });
  if (expectStatus(ledger, `admin ${action}`, res, [200, 202])) count(ledger, `admin ${action} accepted`);
  return res;
}
