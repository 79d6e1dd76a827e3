/**
 * The local Stripe server, driven only through the real `stripe` SDK and the project's Stripe
 * adapter (plus the server's local 3-D Secure helper, which Stripe itself has no API for).
 * The server runs in-process on a free port with a temporary data directory; a tiny HTTP
 * receiver stands in for POST /webhooks/stripe and refuses each event's first delivery, so
 * every webhook assertion also proves the retry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startStripeServer, type StripeServer } from '../../lib/local/stripe/server';

const KEY = 'sk_test_stripe_server_test';
const dataDir = mkdtempSync(join(tmpdir(), 'crowdstart-stripe-'));

interface Delivery {
  readonly payload: string;
  readonly signature: string;
  readonly event: { id: string; type: string; data: { object: { id: string } } };
}

/** The webhook endpoint: records every attempt, answers 500 to the first one of each event. */
function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; attempts: Map<string, number>; server: Server }> {
  const deliveries: Delivery[] = [];
  const attempts = new Map<string, number>();
  const server = createServer((request, response) => {
    let payload = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (payload += chunk));
    request.on('end', () => {
      const event = JSON.parse(payload) as Delivery['event'];
      const attempt = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, attempt);
      if (attempt === 1) {
        response.writeHead(500).end();
        return;
      }
      deliveries.push({ payload, signature: String(request.headers['stripe-signature']), event });
      response.writeHead(200).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/webhooks/stripe`, deliveries, attempts, server });
    }),
  );
}

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let server: StripeServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let stripe: Stripe;
// The adapter reads its configuration on first use; these modules are loaded after it is set.
let adapter: typeof import('../../functions/adapters/stripe/payments');
let webhooks: typeof import('../../functions/adapters/stripe/webhooks');
let customers: typeof import('../../functions/adapters/stripe/customers');
let methods: typeof import('../../functions/adapters/stripe/payment-methods');
let errors: typeof import('../../functions/adapters/stripe/errors');

const sdkFor = (url: string) => {
  const { hostname, port } = new URL(url);
  return new Stripe(KEY, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 3 });
};

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startStripeServer({ dataDir, webhook: { url: receiver.url }, webhookRetry: { baseDelayMs: 50 }, faultSeed: 7 });
  Object.assign(process.env, { STRIPE_SECRET_KEY: KEY, STRIPE_API_URL: server.url, STRIPE_WEBHOOK_SECRET: server.webhookSecret });
  delete process.env.STRIPE_SECRET_NAME;
  stripe = sdkFor(server.url);
  adapter = await import('../../functions/adapters/stripe/payments');
  webhooks = await import('../../functions/adapters/stripe/webhooks');
  customers = await import('../../functions/adapters/stripe/customers');
  methods = await import('../../functions/adapters/stripe/payment-methods');
  errors = await import('../../functions/adapters/stripe/errors');
});

afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => receiver?.server.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

const orderId = () => `ord_${Math.random().toString(36).slice(2, 12)}`;

describe('payments through the adapter', () => {
  test('a visa card pays: the intent succeeds and its charge captured the amount', async () => {
    // Act
    const result = await adapter.chargeOrder({ orderId: orderId(), amount: 2500, currency: 'USD', paymentMethodId: 'pm_card_visa' });

    // Assess
    expect(result.status).toBe('succeeded');
    const intent = await stripe.paymentIntents.retrieve(result.paymentIntentId!, { expand: ['latest_charge'] });
    expect(intent).toMatchObject({ status: 'succeeded', amount: 2500, amount_received: 2500, currency: 'usd' });
    expect(intent.payment_method).toMatch(/^pm_/);
    expect(intent.payment_method).not.toBe('pm_card_visa'); // the token became a real PaymentMethod
    expect(intent.latest_charge).toMatchObject({ object: 'charge', status: 'succeeded', amount_captured: 2500, paid: true });
  });

  test('a declined card is a failed result with the decline code, and the intent waits for another card', async () => {
    // Act
    const result = await adapter.chargeOrder({ orderId: orderId(), amount: 1800, currency: 'usd', paymentMethodId: 'pm_card_chargeDeclined' });

    // Assess
    expect(result).toMatchObject({ status: 'failed', failureCode: 'card_declined', declineCode: 'generic_decline' });
    if (result.status !== 'failed' || !result.paymentIntentId) throw new Error('expected a failed intent');
    const intent = await stripe.paymentIntents.retrieve(result.paymentIntentId);
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error).toMatchObject({ type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' });
  });

  test('the SDK sees a decline on create+confirm as a 402 StripeCardError carrying the intent', async () => {
    // Act
    const attempt = stripe.paymentIntents.create({
      amount: 900,
      currency: 'usd',
      payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
      confirm: true,
      allowed_payment_method_types: ['card'],
    });

    // Assess
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'insufficient_funds' });
    expect((error as { payment_intent?: { status?: string } }).payment_intent?.status).toBe('requires_payment_method');
  });

  test('3-D Secure: requires_action, the challenge page completes it and returns to the return_url, and a signed webhook arrives', async () => {
    // Prepare
    const result = await adapter.chargeOrder({
      orderId: orderId(),
      amount: 4200,
      currency: 'usd',
      paymentMethodId: 'pm_card_authenticationRequired',
      returnUrl: 'https://shop.example/return?order=1',
    });
    expect(result.status).toBe('requires_action');
    if (result.status !== 'requires_action' || !result.redirectUrl) throw new Error(`expected a redirect, got ${JSON.stringify(result)}`);
    const challenge = new URL(result.redirectUrl);
    expect([challenge.origin, challenge.pathname, challenge.searchParams.get('payment_intent')]).toEqual([server.url, '/3d_secure_2/hosted', result.paymentIntentId]);
    expect(challenge.searchParams.get('payment_intent_client_secret')).toBe(result.clientSecret);
    const page = await fetch(result.redirectUrl);
    expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('Complete authentication')]);

    // Act
    const response = await fetch(result.redirectUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=succeed',
      redirect: 'manual',
    });

    // Assess
    expect(response.status).toBe(303);
    const back = new URL(response.headers.get('location')!);
    expect([back.origin + back.pathname, back.searchParams.get('order'), back.searchParams.get('payment_intent')]).toEqual([
      'https://shop.example/return',
      '1',
      result.paymentIntentId,
    ]);
    expect([back.searchParams.get('payment_intent_client_secret'), back.searchParams.get('redirect_status')]).toEqual([result.clientSecret, 'succeeded']);
    expect(await adapter.retrievePayment(result.paymentIntentId)).toEqual({ status: 'succeeded', paymentIntentId: result.paymentIntentId });
    const delivery = await eventually('payment_intent.succeeded webhook', () =>
      receiver.deliveries.find((d) => d.event.type === 'payment_intent.succeeded' && d.event.data.object.id === result.paymentIntentId),
    );
    const verified = Stripe.webhooks.constructEvent(delivery.payload, delivery.signature, server.webhookSecret);
    expect(verified).toMatchObject({ type: 'payment_intent.succeeded', data: { object: { id: result.paymentIntentId, status: 'succeeded' } } });
    expect((await webhooks.verifyWebhook(delivery.payload, delivery.signature)).id).toBe(delivery.event.id);
    expect(receiver.attempts.get(delivery.event.id)).toBe(2); // refused once, retried
    expect(receiver.deliveries.some((d) => d.event.type === 'payment_intent.requires_action' && d.event.data.object.id === result.paymentIntentId)).toBe(true);
    expect((await stripe.events.retrieve(delivery.event.id)).type).toBe('payment_intent.succeeded');
  });

  test('the challenge page opens only with the intent\'s client secret', async () => {
    const result = await adapter.chargeOrder({ orderId: orderId(), amount: 700, currency: 'usd', paymentMethodId: 'pm_card_authenticationRequired', returnUrl: 'https://shop.example/r' });
    if (result.status !== 'requires_action' || !result.redirectUrl) throw new Error(`expected a redirect, got ${result.status}`);
    const forged = new URL(result.redirectUrl);
    forged.searchParams.set('payment_intent_client_secret', `${result.paymentIntentId}_secret_guessed`);

    const refused = await fetch(forged, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeed', redirect: 'manual' });

    expect(refused.status).toBe(400);
    expect(await adapter.retrievePayment(result.paymentIntentId)).toMatchObject({ status: 'requires_action' });
  });

  test('a failed 3-D Secure step leaves the intent needing another card and emits payment_failed', async () => {
    // Prepare
    const result = await adapter.chargeOrder({ orderId: orderId(), amount: 700, currency: 'usd', paymentMethodId: 'pm_card_authenticationRequired' });
    if (result.status !== 'requires_action') throw new Error(`expected requires_action, got ${result.status}`);

    // Act
    await fetch(`${server.url}/_local/payment_intents/${result.paymentIntentId}/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'fail' }),
    });

    // Assess
    expect(await adapter.retrievePayment(result.paymentIntentId)).toMatchObject({ status: 'failed', failureCode: 'payment_intent_authentication_failure' });
    await eventually('payment_failed webhook', () =>
      receiver.deliveries.find((d) => d.event.type === 'payment_intent.payment_failed' && d.event.data.object.id === result.paymentIntentId),
    );
  });

  test('off-session, a card that needs authentication fails with authentication_required', async () => {
    const result = await adapter.chargeOrder({
      orderId: orderId(),
      amount: 700,
      currency: 'usd',
      paymentMethodId: 'pm_card_authenticationRequired',
      offSession: true,
    });
    expect(result).toMatchObject({ status: 'failed', failureCode: 'authentication_required' });
  });

  test('a tampered webhook payload does not verify', async () => {
    const delivery = await eventually('any webhook', () => receiver.deliveries[0]);
    await expect(webhooks.verifyWebhook(delivery.payload.replace('"livemode": false', '"livemode": true'), delivery.signature)).rejects.toBeInstanceOf(
      errors.InvalidWebhookSignature,
    );
  });
});

describe('idempotency keys', () => {
  test('the same key and params replay the first response; the same key with other params is refused', async () => {
    // Prepare
    const params = { amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, allowed_payment_method_types: ['card'] };
    const key = `test-${orderId()}`;

    // Act
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const other = stripe.paymentIntents.create({ ...params, amount: 1600 }, { idempotencyKey: key });

    // Assess
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    await expect(other).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  test('charging the same order twice returns the same PaymentIntent', async () => {
    const input = { orderId: orderId(), amount: 3100, currency: 'usd', paymentMethodId: 'pm_card_visa' };
    const [first, second] = [await adapter.chargeOrder(input), await adapter.chargeOrder(input)];
    expect(second).toEqual(first);
  });

  test('a key reused with other params surfaces as PaymentIdempotencyConflict from the adapter', async () => {
    const id = orderId();
    await adapter.chargeOrder({ orderId: id, amount: 3100, currency: 'usd', paymentMethodId: 'pm_card_visa' });
    await expect(adapter.chargeOrder({ orderId: id, amount: 9999, currency: 'usd', paymentMethodId: 'pm_card_visa' })).rejects.toBeInstanceOf(
      errors.PaymentIdempotencyConflict,
    );
  });
});

describe('refunds', () => {
  test('a partial refund shows on the charge, a replay returns the same refund, and over-refunding is refused', async () => {
    // Prepare
    const id = orderId();
    const charge = await adapter.chargeOrder({ orderId: id, amount: 5000, currency: 'usd', paymentMethodId: 'pm_card_visa' });
    if (charge.status !== 'succeeded') throw new Error('expected a payment');

    // Act
    const refund = await adapter.refundOrder({ orderId: id, paymentIntentId: charge.paymentIntentId, amount: 2000 });
    const replay = await adapter.refundOrder({ orderId: id, paymentIntentId: charge.paymentIntentId, amount: 2000 });
    const tooMuch = stripe.refunds.create({ payment_intent: charge.paymentIntentId, amount: 3001 });

    // Assess
    expect(refund).toMatchObject({ status: 'refunded', amount: 2000 });
    expect(replay).toEqual(refund);
    await expect(tooMuch).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'amount_too_large' });
    const intent = await stripe.paymentIntents.retrieve(charge.paymentIntentId, { expand: ['latest_charge'] });
    expect(intent.latest_charge).toMatchObject({ amount_captured: 5000, amount_refunded: 2000, refunded: false });
    await eventually('charge.refunded webhook', () =>
      receiver.deliveries.find((d) => d.event.type === 'charge.refunded' && (d.event.data.object as { payment_intent?: string }).payment_intent === charge.paymentIntentId),
    );
  });

  test('refunding the rest fully refunds the charge; another refund is reported as already refunded', async () => {
    const id = orderId();
    const charge = await adapter.chargeOrder({ orderId: id, amount: 1200, currency: 'usd', paymentMethodId: 'pm_card_visa' });
    if (charge.status !== 'succeeded') throw new Error('expected a payment');
    await adapter.refundOrder({ orderId: id, paymentIntentId: charge.paymentIntentId });
    expect(await adapter.refundOrder({ orderId: `${id}-again`, paymentIntentId: charge.paymentIntentId })).toEqual({ status: 'already_refunded' });
  });
});

describe('customers and saved cards', () => {
  test('a customer is created once per our id; a SetupIntent saves a card that can be listed, charged and detached', async () => {
    // Prepare
    const ours = `cust_${orderId()}`;
    const stripeCustomerId = await customers.createStripeCustomer(ours, { email: 'ada@example.com' });
    expect(await customers.createStripeCustomer(ours)).toBe(stripeCustomerId);

    // Act
    const setup = await methods.createSetupIntent({ stripeCustomerId, paymentMethodId: 'pm_card_visa' });
    if (setup.status !== 'succeeded') throw new Error(`expected a saved card, got ${setup.status}`);
    const saved = await methods.listPaymentMethods(stripeCustomerId);
    const paid = await adapter.chargeOrder({ orderId: orderId(), amount: 800, currency: 'usd', paymentMethodId: setup.paymentMethodId, stripeCustomerId });
    await methods.detachPaymentMethod(stripeCustomerId, setup.paymentMethodId);

    // Assess
    expect((await stripe.customers.retrieve(stripeCustomerId)) as Stripe.Customer).toMatchObject({ email: 'ada@example.com', metadata: { customerId: ours } });
    expect(saved.items).toEqual([expect.objectContaining({ id: setup.paymentMethodId, brand: 'visa', last4: '4242' })]);
    expect(paid.status).toBe('succeeded');
    expect((await methods.listPaymentMethods(stripeCustomerId)).items).toEqual([]);
  });

  test('a declined card cannot be saved', async () => {
    const stripeCustomerId = await customers.createStripeCustomer(`cust_${orderId()}`);
    expect(await methods.createSetupIntent({ stripeCustomerId, paymentMethodId: 'pm_card_chargeDeclined' })).toMatchObject({
      status: 'failed',
      declineCode: 'generic_decline',
    });
  });

  test("someone else's saved card cannot be detached", async () => {
    const owner = await customers.createStripeCustomer(`cust_${orderId()}`);
    const intruder = await customers.createStripeCustomer(`cust_${orderId()}`);
    const setup = await methods.createSetupIntent({ stripeCustomerId: owner, paymentMethodId: 'pm_card_mastercard' });
    if (setup.status !== 'succeeded') throw new Error('expected a saved card');
    await expect(methods.detachPaymentMethod(intruder, setup.paymentMethodId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await methods.listPaymentMethods(owner)).items).toHaveLength(1);
  });
});

describe('fault injection', () => {
  test('with 30% of calls failing, 30 concurrent charges still produce exactly one succeeded intent per order', async () => {
    // Prepare
    const client = await (await import('../../functions/adapters/stripe/client')).stripeClient();
    const sent: string[] = []; // the Idempotency-Key of every attempt the SDK made
    const record = (event: { idempotency_key?: string }) => void sent.push(String(event.idempotency_key));
    client.on('request', record);
    const orders = Array.from({ length: 30 }, () => orderId());
    server.setFailureRate(0.3);

    // Act: the workflow's retry, around the SDK's own three retries
    const charge = async (id: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await adapter.chargeOrder({ orderId: id, amount: 1000, currency: 'usd', paymentMethodId: 'pm_card_visa' });
        } catch (error) {
          if (!(error instanceof errors.PaymentProviderUnavailable) || attempt >= 8) throw error;
        }
      }
    };
    const results = await Promise.all(orders.map(charge));
    server.setFailureRate(0);
    client.off('request', record);

    // Assess
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(sent.length).toBeGreaterThan(new Set(sent).size); // faults happened and were retried with the same key
    const intents = await stripe.paymentIntents.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    for (const id of orders) {
      const ofOrder = intents.filter((intent) => intent.metadata['orderId'] === id);
      expect(ofOrder.map((intent) => intent.status)).toEqual(['succeeded']);
    }
  }, 60_000);
});

describe('persistence', () => {
  test('a restart on the same data directory keeps customers, intents, events and the webhook secret', async () => {
    // Prepare
    const stripeCustomerId = await customers.createStripeCustomer(`cust_${orderId()}`, { name: 'Grace' });
    const paid = await adapter.chargeOrder({ orderId: orderId(), amount: 2200, currency: 'usd', paymentMethodId: 'pm_card_visa', stripeCustomerId });
    if (paid.status !== 'succeeded') throw new Error('expected a payment');
    const [latestEvent] = (await stripe.events.list({ limit: 1 })).data;
    const { port, webhookSecret } = server;

    // Act
    await server.stop();
    server = await startStripeServer({ dataDir, port, webhook: { url: receiver.url }, webhookRetry: { baseDelayMs: 50 } });

    // Assess
    expect(server.webhookSecret).toBe(webhookSecret);
    expect((await stripe.customers.retrieve(stripeCustomerId)) as Stripe.Customer).toMatchObject({ name: 'Grace' });
    expect(await adapter.retrievePayment(paid.paymentIntentId)).toEqual({ status: 'succeeded', paymentIntentId: paid.paymentIntentId });
    expect((await stripe.events.retrieve(latestEvent!.id)).id).toBe(latestEvent!.id);
  });
});
