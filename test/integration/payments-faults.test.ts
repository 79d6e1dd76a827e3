import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { inventoryOf, invariantViolations } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import {
  checkout,
  customerWithCart,
  paymentIntentsOf,
  SHIPPING,
  stripeClient,
  stripeLocal,
  waitForStatus,
  whenNotBusy,
  engineUrl,
  executionArnOf,
  executionHistory,
  sfnClient,
} from '../../bin/support/orders';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';

const api = apiClient();

/** The local Stripe server's signing secret, read from its store (tests only: to sign our own events). */
function webhookSecretOf(dataDir: string): string {
  // Through getBuiltinModule: jest's resolver does not know prefix-only built-ins such as node:sqlite.
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as typeof import('node:sqlite');
  const db = new DatabaseSync(join(dataDir, 'stripe', 'stripe.sqlite'), { readOnly: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'webhook_secret'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}

function postWebhook(payload: string, signature?: string) {
  return api.post('/webhooks/stripe', {
    rawBody: payload,
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
  });
}

describe('3-D Secure', () => {
  it('waits in REQUIRES_ACTION until the customer authenticates, then the signed webhook makes it PAID', async () => {
    // Prepare
    const { token, sku } = await customerWithCart(api, { stock: 5, quantity: 1 });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_authenticationRequired', shippingAddress: SHIPPING });
    const waiting = await waitForStatus(api, token, placed.body.id, 'REQUIRES_ACTION');

    // Act: what the bank page does when the customer approves
    const authenticated = await stripeLocal(`payment_intents/${waiting.payment.paymentIntentId}/authenticate`, { outcome: 'succeed' });
    const paid = await waitForStatus(api, token, placed.body.id, 'PAID');

    // Assess
    expect(waiting.payment.status).toBe('requires_action');
    expect(authenticated.body.status).toBe('succeeded');
    expect(paid.history.map((h) => h.status)).toEqual(['PENDING', 'REQUIRES_ACTION', 'PAID']);
    expect(paid.payment).toEqual({ status: 'succeeded', paymentIntentId: waiting.payment.paymentIntentId });
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 4, reserved: 0, sold: 1 });
  }, 40_000);

  it('takes 6 state transitions from checkout to COMPLETED, the 3-D Secure wait and its outcome included', async () => {
    // Prepare
    const { token } = await customerWithCart(api, { stock: 5, quantity: 1 });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_authenticationRequired', shippingAddress: SHIPPING });
    const waiting = await waitForStatus(api, token, placed.body.id, 'REQUIRES_ACTION');
    const admin = await api.adminToken();

    // Act
    await stripeLocal(`payment_intents/${waiting.payment.paymentIntentId}/authenticate`, { outcome: 'succeed' });
    await waitForStatus(api, token, placed.body.id, 'PAID');
    await whenNotBusy(() => api.post(`/admin/orders/${placed.body.id}/fulfillment`, { token: admin, body: { carrier: 'UPS', trackingNumber: '1Z9' } }));
    await whenNotBusy(() => api.post(`/admin/orders/${placed.body.id}/delivered`, { token: admin }));
    await waitForStatus(api, token, placed.body.id, 'COMPLETED');
    const sfn = sfnClient(engineUrl('sfn'));
    const events = await executionHistory(sfn, executionArnOf(placed.body.id));
    sfn.destroy();

    // Assess
    const entered = events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name);
    expect(entered).toEqual(['Pay', 'Await authentication', 'Authentication outcome', 'Mark paid', 'Await fulfillment', 'Await delivery']);
  }, 60_000);

  it('fails the payment when the customer does not authenticate, and returns the stock', async () => {
    const { token, sku } = await customerWithCart(api, { stock: 5, quantity: 2 });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_authenticationRequired', shippingAddress: SHIPPING });
    const waiting = await waitForStatus(api, token, placed.body.id, 'REQUIRES_ACTION');

    await stripeLocal(`payment_intents/${waiting.payment.paymentIntentId}/authenticate`, { outcome: 'fail' });
    const failed = await waitForStatus(api, token, placed.body.id, 'PAYMENT_FAILED');

    expect(failed.payment.status).toBe('failed');
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 5, available: 5, held: 0, reserved: 0, sold: 0 });
  }, 40_000);

  it('cancels an order waiting for authentication: CANCELLED, the intent cancelled, stock back', async () => {
    const { token, sku } = await customerWithCart(api, { stock: 5, quantity: 1 });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_authenticationRequired', shippingAddress: SHIPPING });
    const waiting = await waitForStatus(api, token, placed.body.id, 'REQUIRES_ACTION');

    const res = await api.post(`/orders/${placed.body.id}/cancel`, { token });
    const cancelled = await waitForStatus(api, token, placed.body.id, 'CANCELLED');

    expect(res.status).toBe(202);
    expect(cancelled.history.map((h) => h.status)).toEqual(['PENDING', 'REQUIRES_ACTION', 'CANCELLED']);
    expect((await stripeClient().paymentIntents.retrieve(waiting.payment.paymentIntentId!)).status).toBe('canceled');
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 5, available: 5, held: 0, reserved: 0, sold: 0 });
  }, 40_000);
});

describe('POST /webhooks/stripe', () => {
  const payload = JSON.stringify({ id: 'evt_test_webhook', object: 'event', type: 'customer.created', data: { object: { id: 'cus_x' } } });

  it('refuses unsigned, tampered, foreign and stale events with 400 INVALID_SIGNATURE', async () => {
    // Prepare
    const secret = webhookSecretOf(process.env.CROWDSTART_DATA_DIR!);
    const sign = (body: string, options: { secret?: string; timestamp?: number } = {}) =>
      Stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? secret, timestamp: options.timestamp });

    // Act
    const unsigned = await postWebhook(payload);
    const garbage = await postWebhook(payload, 't=1,v1=deadbeef');
    const tampered = await postWebhook(payload.replace('cus_x', 'cus_y'), sign(payload));
    const foreign = await postWebhook(payload, sign(payload, { secret: 'whsec_someone_else' }));
    const stale = await postWebhook(payload, sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 }));
    const genuine = await postWebhook(payload, sign(payload));

    // Assess
    for (const res of [unsigned, garbage, tampered, foreign, stale]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_SIGNATURE');
    }
    expect(genuine.status).toBe(200);
    expect(genuine.body).toEqual({ received: true, id: 'evt_test_webhook' });
  }, 20_000);

  it('needs no token and no Idempotency-Key (Stripe sends neither)', async () => {
    const res = await postWebhook(payload, 't=1,v1=deadbeef');
    expect(res.status).toBe(400); // a signature problem, not 401 or IDEMPOTENCY_KEY_REQUIRED
    expect(res.body.error.code).toBe('INVALID_SIGNATURE');
  }, 20_000);
});

describe('with a flaky payment provider (STRIPE_FAILURE_RATE=0.3)', () => {
  let stack: StackProcess;
  let flaky: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startStackProcess({ env: { STRIPE_FAILURE_RATE: '0.3', SEED_DEMO: 'false' } });
    flaky = apiClient(stack.url, stack.dataDir);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop('SIGTERM');
    if (stack) rmSync(stack.dataDir, { recursive: true, force: true });
  }, 30_000);

  it('ends every order PAID with exactly one PaymentIntent and one succeeded charge', async () => {
    // Prepare: ten customers, each with a cart
    const carts = await Promise.all(Array.from({ length: 10 }, () => customerWithCart(flaky, { stock: 3, quantity: 1 })));

    // Act
    const placed = await Promise.all(carts.map((c) => checkout(flaky, c.token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING })));
    const orders = await Promise.all(placed.map((p, i) => waitForStatus(flaky, carts[i]!.token, p.body.id, ['PAID', 'PAYMENT_FAILED', 'CANCELLED'], 90_000)));

    // Assess: inspect the Stripe server with faults off, so the inspection itself is not flaky
    await stripeLocal('faults', { failureRate: 0 }, stack.engines.stripe);
    const stripe = stripeClient(stack.engines.stripe!);
    expect(placed.map((p) => p.status)).toEqual(Array(10).fill(202));
    expect(orders.map((o) => o.status)).toEqual(Array(10).fill('PAID'));
    for (const order of orders) {
      const intents = await paymentIntentsOf(stripe, order.id);
      expect(intents.map((i) => [i.id, i.status])).toEqual([[order.payment.paymentIntentId, 'succeeded']]);
      // One succeeded intent holds exactly one succeeded charge: its latest, for the full amount.
      const charge = await stripe.charges.retrieve(String(intents[0]!.latest_charge));
      expect([charge.status, charge.amount, intents[0]!.amount_received]).toEqual(['succeeded', 1500, 1500]);
    }
    for (const cart of carts) {
      const stock = await inventoryOf(flaky, cart.sku);
      expect(stock).toMatchObject({ total: 3, available: 2, held: 0, reserved: 0, sold: 1 });
      expect(invariantViolations(stock)).toEqual([]);
    }
  }, 150_000);
});
