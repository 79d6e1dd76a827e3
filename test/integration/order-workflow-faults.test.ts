import { DescribeExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createSku, eventually, inventoryOf, invariantViolations, type Api } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import { orderKeys } from '../../functions/adapters/dynamodb/keys';
import {
  checkout,
  deleteTableItem,
  executionArnOf,
  rewriteOrderItem,
  SHIPPING,
  sfnClient,
  stackQueue,
  stripeClient,
  stripeLocal,
  waitForStatus,
} from '../../bin/support/orders';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';

/**
 * Workflow steps that fail after the order is paid, made to fail for real on a stack of their own:
 * the Fulfillment queue refuses the fulfillment request because an operator lowered its
 * MaximumMessageSize to 1 KiB (SQS then answers InvalidParameterValue, as AWS does), and an
 * execution that an operator stopped. Either way the order must keep a way out.
 */
const SHIPMENT = { carrier: 'UPS', trackingNumber: '1Z999AA10123456784' };
const LINES = 4;

describe('an order whose workflow failed after payment', () => {
  let stack: StackProcess;
  let api: Api;
  let sfn: SFNClient;
  let fulfillmentQueue: Awaited<ReturnType<typeof stackQueue>>;

  const setMaximumMessageSize = (bytes: number) =>
    fulfillmentQueue.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: fulfillmentQueue.queueUrl, Attributes: { MaximumMessageSize: String(bytes) } }),
    );
  const executionOf = (orderId: string) => sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(orderId) }));
  const ended = (orderId: string) =>
    eventually(() => executionOf(orderId), (e) => e.status !== 'RUNNING', 20_000);

  /** A paid order of `LINES` one-unit lines (a fulfillment request well over 1 KiB), each SKU of 5 units. */
  async function paidOrder() {
    const token = await api.customerToken();
    const skus: string[] = [];
    for (let i = 0; i < LINES; i++) {
      const sku = await createSku(api, 5);
      await api.post('/cart/items', { token, body: { sku, quantity: 1 }, headers: { 'idempotency-key': randomUUID() } });
      skus.push(sku);
    }
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });
    expect(placed.status).toBe(202);
    const order = await waitForStatus(api, token, placed.body.id, 'PAID', 30_000);
    return { token, skus, order };
  }

  async function stockOf(skus: string[]) {
    const levels = await Promise.all(skus.map((sku) => inventoryOf(api, sku)));
    for (const level of levels) expect(invariantViolations(level)).toEqual([]);
    return levels.map(({ available, held, reserved, sold }) => ({ available, held, reserved, sold }));
  }

  beforeAll(async () => {
    stack = await startStackProcess({ env: { SEED_DEMO: 'false' } });
    api = apiClient(stack.url, stack.dataDir);
    sfn = sfnClient(stack.engines.sfn);
    fulfillmentQueue = await stackQueue('Fulfillment', stack.engines.sqs);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop('SIGTERM');
    if (stack) rmSync(stack.dataDir, { recursive: true, force: true });
  }, 30_000);

  describe('when the fulfillment request cannot be sent', () => {
    beforeAll(() => setMaximumMessageSize(1024));
    afterAll(() => setMaximumMessageSize(262_144));

    it('records what failed, fails the execution for the alarm, and ships and completes directly', async () => {
      // Prepare
      const { token, skus, order } = await paidOrder();
      const execution = await ended(order.id);
      const admin = await api.adminToken();

      // Act
      const seen = await api.get(`/orders/${order.id}`, { token });
      const listed = await api.get('/admin/orders?status=PAID&limit=100', { token: admin });
      const shipped = await api.post(`/admin/orders/${order.id}/fulfillment`, { token: admin, body: SHIPMENT });
      const delivered = await api.post(`/admin/orders/${order.id}/delivered`, { token: admin });

      // Assess
      expect(execution.status).toBe('FAILED');
      expect(seen.body.attention).toEqual({ step: 'Await fulfillment', error: expect.stringMatching(/InvalidParameterValue/), at: expect.any(String) });
      const inList = listed.body.items.find((o: { id: string }) => o.id === order.id);
      expect(inList.attention).toMatchObject({ step: 'Await fulfillment', cause: expect.stringMatching(/shorter than 1024/) });
      expect([shipped.status, shipped.body.status]).toEqual([202, 'FULFILLED']);
      expect(shipped.body.fulfillment).toEqual(SHIPMENT);
      expect([delivered.status, delivered.body.status]).toEqual([202, 'COMPLETED']);
      expect(delivered.body.history.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'PAID', 'FULFILLED', 'COMPLETED']);
      expect(await stockOf(skus)).toEqual(skus.map(() => ({ available: 4, held: 0, reserved: 0, sold: 1 })));
    }, 90_000);

    it('lets the customer cancel: refunded once, the stock back on the shelf', async () => {
      const { token, skus, order } = await paidOrder();
      await ended(order.id);

      const res = await api.post(`/orders/${order.id}/cancel`, { token });
      const again = await api.post(`/orders/${order.id}/cancel`, { token });

      expect([res.status, res.body.status, res.body.payment.status]).toEqual([202, 'CANCELLED', 'refunded']);
      expect(again.body.error.code).toBe('ORDER_NOT_CANCELLABLE');
      const refunds = await stripeClient(stack.engines.stripe).refunds.list({ payment_intent: order.payment.paymentIntentId! });
      expect(refunds.data.map((r) => r.status)).toEqual(['succeeded']);
      expect(await stockOf(skus)).toEqual(skus.map(() => ({ available: 5, held: 0, reserved: 0, sold: 0 })));
    }, 90_000);

    it('lets the merchant refund before shipping: CANCELLED, refunded, stock back', async () => {
      const { skus, order } = await paidOrder();
      await ended(order.id);

      const res = await api.post(`/admin/orders/${order.id}/refund`, { token: await api.adminToken() });

      expect([res.status, res.body.status, res.body.payment.status]).toEqual([202, 'CANCELLED', 'refunded']);
      expect(await stockOf(skus)).toEqual(skus.map(() => ({ available: 5, held: 0, reserved: 0, sold: 0 })));
    }, 90_000);
  });

  describe('when the execution ended while the payment waited for 3-D Secure', () => {
    /** A one-unit order in REQUIRES_ACTION whose execution an operator stopped. */
    async function strandedAuthentication() {
      const token = await api.customerToken();
      const sku = await createSku(api, 5);
      await api.post('/cart/items', { token, body: { sku, quantity: 1 }, headers: { 'idempotency-key': randomUUID() } });
      const placed = await checkout(api, token, { paymentMethodId: 'pm_card_authenticationRequired', shippingAddress: SHIPPING });
      const order = await waitForStatus(api, token, placed.body.id, 'REQUIRES_ACTION', 30_000);
      await sfn.send(new StopExecutionCommand({ executionArn: executionArnOf(order.id), error: 'Operator', cause: 'incident' }));
      return { token, sku, order };
    }

    it('applies a late payment_intent.succeeded directly: PAID with the stock sold, then the merchant ships', async () => {
      // Prepare
      const { token, sku, order } = await strandedAuthentication();

      // Act
      await stripeLocal(`payment_intents/${order.payment.paymentIntentId}/authenticate`, { outcome: 'succeed' }, stack.engines.stripe);
      const paid = await waitForStatus(api, token, order.id, ['PAID', 'PAYMENT_FAILED', 'CANCELLED'], 20_000);
      const shipped = await api.post(`/admin/orders/${order.id}/fulfillment`, { token: await api.adminToken(), body: SHIPMENT });

      // Assess
      expect([paid.status, paid.payment.status]).toEqual(['PAID', 'succeeded']);
      expect([shipped.status, shipped.body.status]).toEqual([202, 'FULFILLED']);
      expect(await stockOf([sku])).toEqual([{ available: 4, held: 0, reserved: 0, sold: 1 }]);
    }, 60_000);

    it('applies a late payment_intent.payment_failed directly: PAYMENT_FAILED, the reservation released', async () => {
      const { token, sku, order } = await strandedAuthentication();

      await stripeLocal(`payment_intents/${order.payment.paymentIntentId}/authenticate`, { outcome: 'fail' }, stack.engines.stripe);
      const failed = await waitForStatus(api, token, order.id, ['PAID', 'PAYMENT_FAILED', 'CANCELLED'], 20_000);

      expect([failed.status, failed.payment.status]).toEqual(['PAYMENT_FAILED', 'failed']);
      const intent = await stripeClient(stack.engines.stripe).paymentIntents.retrieve(order.payment.paymentIntentId!);
      expect(intent.status).toBe('canceled'); // it can no longer succeed for an order that failed
      expect(await stockOf([sku])).toEqual([{ available: 5, held: 0, reserved: 0, sold: 0 }]);
    }, 60_000);
  });

  /** A customer's order of one unit of a fresh 5-unit SKU, waiting for 3-D Secure. */
  async function orderAwaitingAuthentication() {
    const token = await api.customerToken();
    const sku = await createSku(api, 5);
    await api.post('/cart/items', { token, body: { sku, quantity: 1 }, headers: { 'idempotency-key': randomUUID() } });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_authenticationRequired', shippingAddress: SHIPPING });
    const waiting = await waitForStatus(api, token, placed.body.id, 'REQUIRES_ACTION', 30_000);
    return { token, sku, placed, paymentIntentId: waiting.payment.paymentIntentId! };
  }

  it('cancels the PaymentIntent of an order whose execution ended during Pay, before the intent id was saved', async () => {
    // Prepare: the charge went out (a 3-D Secure intent, still able to take money) but the order
    // never learnt its id: put the order back as Pay found it, as a crash between Stripe's answer
    // and the write leaves it, with its execution gone.
    const { token, sku, placed, paymentIntentId } = await orderAwaitingAuthentication();
    await sfn.send(new StopExecutionCommand({ executionArn: executionArnOf(placed.body.id), error: 'Operator', cause: 'incident' }));
    await rewriteOrderItem(stack.engines.dynamodb!, placed.body.id, {
      expression: 'SET #status = :pending, #payment.#status = :pendingPayment REMOVE #payment.#pi, #tokens',
      names: { '#status': 'status', '#payment': 'payment', '#pi': 'paymentIntentId', '#tokens': 'tokens' },
      values: { ':pending': 'PENDING', ':pendingPayment': 'pending' },
    });
    await deleteTableItem(stack.engines.dynamodb!, orderKeys.paymentIntentLink(paymentIntentId));

    // Act
    const res = await api.post(`/orders/${placed.body.id}/cancel`, { token });

    // Assess
    expect([res.status, res.body.status, res.body.payment.status]).toEqual([202, 'CANCELLED', 'canceled']);
    const intent = await stripeClient(stack.engines.stripe).paymentIntents.retrieve(paymentIntentId);
    expect(intent.status).toBe('canceled');
    expect(await stockOf([sku])).toEqual([{ available: 5, held: 0, reserved: 0, sold: 0 }]);
  }, 60_000);

  it("lets the workflow's Cancel payment find an intent the order never saved, and cancel it", async () => {
    // Prepare: an order waiting for 3-D Secure whose intent id the order lost (as when Pay's write
    // fails after Stripe created the intent), its execution still running.
    const { token, sku, placed, paymentIntentId } = await orderAwaitingAuthentication();
    await rewriteOrderItem(stack.engines.dynamodb!, placed.body.id, {
      expression: 'REMOVE #payment.#pi',
      names: { '#payment': 'payment', '#pi': 'paymentIntentId' },
    });

    // Act: the cancel fails the authentication wait; the workflow's compensation runs
    const res = await api.post(`/orders/${placed.body.id}/cancel`, { token });
    const cancelled = await waitForStatus(api, token, placed.body.id, 'CANCELLED', 20_000);

    // Assess
    expect(res.status).toBe(202);
    expect(cancelled.payment.status).toBe('canceled');
    const intent = await stripeClient(stack.engines.stripe).paymentIntents.retrieve(paymentIntentId);
    expect(intent.status).toBe('canceled');
    expect(await stockOf([sku])).toEqual([{ available: 5, held: 0, reserved: 0, sold: 0 }]);
  }, 60_000);

  it('never answers ORDER_BUSY for an execution an operator stopped: the merchant ships directly', async () => {
    // Prepare: a paid order waiting for fulfillment, its execution stopped underneath it
    const { skus, order } = await paidOrder();
    const admin = await api.adminToken();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the fulfillment request is recorded
    await sfn.send(new StopExecutionCommand({ executionArn: executionArnOf(order.id), error: 'Operator', cause: 'incident' }));

    // Act
    const shipped = await api.post(`/admin/orders/${order.id}/fulfillment`, { token: admin, body: SHIPMENT });

    // Assess
    expect((await executionOf(order.id)).status).toBe('ABORTED');
    expect([shipped.status, shipped.body.status]).toEqual([202, 'FULFILLED']);
    expect(await stockOf(skus)).toEqual(skus.map(() => ({ available: 4, held: 0, reserved: 0, sold: 1 })));
  }, 90_000);
});
