import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { rmSync } from 'node:fs';
import { eventually, inventoryOf, invariantViolations, type Api } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import {
  checkout,
  customerWithCart,
  executionArnOf,
  rewriteOrderItem,
  SHIPPING,
  sfnClient,
  stripeClient,
  waitForStatus,
} from '../../bin/support/orders';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';

/**
 * The waits for people end: a paid order that nobody ships within the fulfillment SLA
 * (FULFILLMENT_SLA_SECONDS) records attention and fails its execution (the alarm), and the
 * merchant can still ship it or refund it; a 3-D Secure step the customer never finishes
 * (AUTHENTICATION_TIMEOUT_SECONDS) voids the payment and releases the stock.
 */
const SLA_SECONDS = 3;
const AUTHENTICATION_TIMEOUT_SECONDS = 3;
const SHIPMENT = { carrier: 'DHL', trackingNumber: 'JD014600006281230704' };

describe('orders that wait for people past their timeouts', () => {
  let stack: StackProcess;
  let api: Api;
  let sfn: SFNClient;

  const executionOf = (orderId: string) => sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(orderId) }));
  const stockOf = async (sku: string) => {
    const level = await inventoryOf(api, sku);
    expect(invariantViolations(level)).toEqual([]);
    return { available: level.available, held: level.held, reserved: level.reserved, sold: level.sold };
  };
  /** The order once the workflow has given up on it (its `attention` set), within the SLA and some. */
  const withAttention = (token: string, orderId: string) =>
    eventually(() => api.get(`/orders/${orderId}`, { token }), (res) => res.body.attention !== undefined, (SLA_SECONDS + 15) * 1000);

  async function paidOrder() {
    const { sku, token } = await customerWithCart(api, { stock: 5, quantity: 1 });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });
    expect(placed.status).toBe(202);
    return { sku, token, order: await waitForStatus(api, token, placed.body.id, 'PAID', 30_000) };
  }

  beforeAll(async () => {
    stack = await startStackProcess({
      env: {
        SEED_DEMO: 'false',
        FULFILLMENT_SLA_SECONDS: String(SLA_SECONDS),
        AUTHENTICATION_TIMEOUT_SECONDS: String(AUTHENTICATION_TIMEOUT_SECONDS),
      },
    });
    api = apiClient(stack.url, stack.dataDir);
    sfn = sfnClient(stack.engines.sfn);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop('SIGTERM');
    if (stack) rmSync(stack.dataDir, { recursive: true, force: true });
  }, 30_000);

  it('alarms on a paid order not shipped within the SLA, and the merchant still ships it directly', async () => {
    // Prepare
    const { sku, token, order } = await paidOrder();

    // Act
    const seen = await withAttention(token, order.id);
    const shipped = await api.post(`/admin/orders/${order.id}/fulfillment`, { token: await api.adminToken(), body: SHIPMENT });

    // Assess
    expect(seen.body.status).toBe('PAID');
    expect(seen.body.attention).toMatchObject({ step: 'Await fulfillment', error: 'States.Timeout' });
    expect(Date.parse(seen.body.attention.at) - Date.parse(order.history.at(-1)!.at)).toBeGreaterThanOrEqual(SLA_SECONDS * 1000);
    expect((await executionOf(order.id)).status).toBe('FAILED');
    expect([shipped.status, shipped.body.status, shipped.body.fulfillment]).toEqual([202, 'FULFILLED', SHIPMENT]);
    expect(shipped.body.attention.resolvedAt).toEqual(expect.any(String));
    expect(await stockOf(sku)).toEqual({ available: 4, held: 0, reserved: 0, sold: 1 });
  }, 60_000);

  it('lets the merchant cancel and refund an order past its SLA: refunded once, the stock back', async () => {
    // Prepare
    const { sku, token, order } = await paidOrder();
    await withAttention(token, order.id);

    // Act
    const refunded = await api.post(`/admin/orders/${order.id}/refund`, { token: await api.adminToken() });

    // Assess
    expect([refunded.status, refunded.body.status, refunded.body.payment.status]).toEqual([202, 'CANCELLED', 'refunded']);
    const refunds = await stripeClient(stack.engines.stripe).refunds.list({ payment_intent: order.payment.paymentIntentId! });
    expect(refunds.data.map((r) => r.status)).toEqual(['succeeded']);
    expect(await stockOf(sku)).toEqual({ available: 5, held: 0, reserved: 0, sold: 0 });
  }, 60_000);

  it('gives a way out to a paid order whose fulfillment request was never recorded (the consumer kept failing)', async () => {
    // Prepare: a `tokens` attribute that is not a map makes every attempt of the Fulfillment
    // queue's consumer fail (DynamoDB refuses the nested SET), as a consumer bound for the DLQ does.
    const { sku, token } = await customerWithCart(api, { stock: 5, quantity: 1 });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });
    await rewriteOrderItem(stack.engines.dynamodb!, placed.body.id, { expression: 'SET #tokens = :broken', names: { '#tokens': 'tokens' }, values: { ':broken': 'unrecordable' } });
    await waitForStatus(api, token, placed.body.id, 'PAID', 30_000);
    const busy = await api.post(`/admin/orders/${placed.body.id}/fulfillment`, { token: await api.adminToken(), body: SHIPMENT });

    // Act
    const seen = await withAttention(token, placed.body.id);
    const shipped = await api.post(`/admin/orders/${placed.body.id}/fulfillment`, { token: await api.adminToken(), body: SHIPMENT });

    // Assess
    expect(busy.body.error?.code).toBe('ORDER_BUSY'); // no token, the execution still running
    expect(seen.body.attention).toMatchObject({ step: 'Await fulfillment', error: 'States.Timeout' });
    expect((await executionOf(placed.body.id)).status).toBe('FAILED');
    expect([shipped.status, shipped.body.status]).toEqual([202, 'FULFILLED']);
    expect(await stockOf(sku)).toEqual({ available: 4, held: 0, reserved: 0, sold: 1 });
  }, 60_000);

  it('voids a 3-D Secure payment the customer never finishes: PAYMENT_FAILED, the stock back, the intent canceled', async () => {
    // Prepare
    const { sku, token } = await customerWithCart(api, { stock: 5, quantity: 1 });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_authenticationRequired', shippingAddress: SHIPPING });
    const waiting = await waitForStatus(api, token, placed.body.id, 'REQUIRES_ACTION', 30_000);

    // Act
    const failed = await waitForStatus(api, token, placed.body.id, ['PAYMENT_FAILED', 'PAID', 'CANCELLED'], (AUTHENTICATION_TIMEOUT_SECONDS + 15) * 1000);

    // Assess
    expect([failed.status, failed.payment.status]).toEqual(['PAYMENT_FAILED', 'canceled']);
    const intent = await stripeClient(stack.engines.stripe).paymentIntents.retrieve(waiting.payment.paymentIntentId!);
    expect(intent.status).toBe('canceled');
    expect((await executionOf(placed.body.id)).status).toBe('SUCCEEDED');
    expect(await stockOf(sku)).toEqual({ available: 5, held: 0, reserved: 0, sold: 0 });
  }, 60_000);
});
