import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { eventually, inventoryOf, invariantViolations } from '../../bin/support/skus';
import { apiClient } from '../../bin/support/api';
import {
  checkout,
  customerWithCart,
  engineUrl,
  executionArnOf,
  executionHistory,
  paymentIntentsOf,
  sfnClient,
  SHIPPING,
  stripeClient,
  waitForStatus,
  whenNotBusy,
  type OrderView,
} from '../../bin/support/orders';

const api = apiClient();
const sfn = sfnClient(engineUrl('sfn'));
const describeExecution = (orderId: string) =>
  sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(orderId) }));
const SHIPMENT = { carrier: 'UPS', trackingNumber: '1Z999AA10123456784' };

/** A customer's order for `quantity` units of a fresh SKU, waited into `status`. */
async function orderIn(status: string, options: { paymentMethodId?: string; quantity?: number } = {}) {
  const cart = await customerWithCart(api, { stock: 10, quantity: options.quantity ?? 2 });
  const placed = await checkout(api, cart.token, { paymentMethodId: options.paymentMethodId ?? 'pm_card_visa', shippingAddress: SHIPPING });
  expect(placed.status).toBe(202);
  const order = await waitForStatus(api, cart.token, placed.body.id, status);
  return { ...cart, order };
}

/** The states an order's execution entered, once it has ended (each one is a billed transition). */
async function statesEntered(orderId: string): Promise<string[]> {
  for (let attempt = 0; (await describeExecution(orderId)).status === 'RUNNING'; attempt++) {
    if (attempt > 50) throw new Error(`The execution of ${orderId} is still running`);
    await sleep(100);
  }
  const events = await executionHistory(sfn, executionArnOf(orderId));
  return events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name!);
}

async function ship(orderId: string) {
  const admin = await api.adminToken();
  return whenNotBusy(() => api.post(`/admin/orders/${orderId}/fulfillment`, { token: admin, body: SHIPMENT }));
}

describe('the order lifecycle', () => {
  it('goes PENDING → PAID → FULFILLED → COMPLETED, with history, and sells the units', async () => {
    // Prepare
    const { token, sku, order: paid } = await orderIn('PAID', { quantity: 3 });
    const admin = await api.adminToken();

    // Act
    const shipped = await ship(paid.id);
    const fulfilled = await waitForStatus(api, token, paid.id, 'FULFILLED');
    const delivered = await whenNotBusy(() => api.post(`/admin/orders/${paid.id}/delivered`, { token: admin }));
    const completed = await waitForStatus(api, token, paid.id, 'COMPLETED');

    // Assess
    expect(paid.payment).toEqual({ status: 'succeeded', paymentIntentId: expect.stringMatching(/^pi_/) });
    expect(shipped.status).toBe(202);
    expect(fulfilled.fulfillment).toEqual(SHIPMENT);
    expect(delivered.status).toBe(202);
    expect(completed.history.map((h) => h.status)).toEqual(['PENDING', 'PAID', 'FULFILLED', 'COMPLETED']);
    expect([...completed.history].map((h) => h.at).sort()).toEqual(completed.history.map((h) => h.at));
    expect(completed.fulfillment).toEqual(SHIPMENT);
    const stock = await inventoryOf(api, sku);
    expect(stock).toEqual({ sku, total: 10, available: 7, held: 0, reserved: 0, sold: 3 });
    expect(invariantViolations(stock)).toEqual([]);
    expect(JSON.stringify(completed)).not.toMatch(/token/i);
    expect(await statesEntered(paid.id)).toEqual(['Pay', 'Await fulfillment', 'Await delivery']); // ≤ 4 transitions
  }, 60_000);

  it('ends a declined card in PAYMENT_FAILED with the reason, and returns the stock', async () => {
    const { sku, order } = await orderIn('PAYMENT_FAILED', { paymentMethodId: 'pm_card_chargeDeclined' });

    expect(order.payment.status).toBe('failed');
    expect(order.payment.declineCode).toEqual(expect.any(String));
    expect(order.history.map((h) => h.status)).toEqual(['PENDING', 'PAYMENT_FAILED']);
    const stock = await inventoryOf(api, sku);
    expect(stock).toEqual({ sku, total: 10, available: 10, held: 0, reserved: 0, sold: 0 });
    expect(await statesEntered(order.id)).toEqual(['Pay', 'Payment failed']);
  }, 60_000);

  it('cancels a PAID order on the customer request: refunded, stock back, CANCELLED', async () => {
    // Prepare
    const { token, sku, order } = await orderIn('PAID');

    // Act
    const res = await whenNotBusy(() => api.post(`/orders/${order.id}/cancel`, { token }));
    const cancelled = await waitForStatus(api, token, order.id, 'CANCELLED');

    // Assess
    expect(res.status).toBe(202);
    expect(res.body.id).toBe(order.id);
    expect(cancelled.payment.status).toBe('refunded');
    expect(cancelled.history.map((h) => h.status)).toEqual(['PENDING', 'PAID', 'CANCELLED']);
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 10, available: 10, held: 0, reserved: 0, sold: 0 });
    const refunds = await stripeClient().refunds.list({ payment_intent: order.payment.paymentIntentId! });
    expect(refunds.data.map((r) => r.status)).toEqual(['succeeded']);
  }, 60_000);

  it('refuses to cancel once shipped (409 ORDER_NOT_CANCELLABLE) and to ship twice', async () => {
    const { token, order } = await orderIn('PAID');
    await ship(order.id);
    await waitForStatus(api, token, order.id, 'FULFILLED');

    const cancel = await api.post(`/orders/${order.id}/cancel`, { token });
    const again = await ship(order.id);

    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe('ORDER_NOT_CANCELLABLE');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ORDER_NOT_FULFILLABLE');
  }, 60_000);

  it('refunds a PAID order through its workflow: CANCELLED, refunded, stock back on the shelf', async () => {
    const { token, sku, order } = await orderIn('PAID');
    const admin = await api.adminToken();

    const res = await whenNotBusy(() => api.post(`/admin/orders/${order.id}/refund`, { token: admin }));
    const refunded = await waitForStatus(api, token, order.id, 'CANCELLED');

    expect(res.status).toBe(202);
    expect(refunded.payment.status).toBe('refunded');
    expect(await inventoryOf(api, sku)).toMatchObject({ available: 10, sold: 0, reserved: 0 });
  }, 60_000);

  it('refunds a shipped order as a return: REFUNDED with history, refunded once, the goods stay sold, the workflow ends', async () => {
    // Prepare
    const { token, sku, order } = await orderIn('PAID');
    await ship(order.id);
    await waitForStatus(api, token, order.id, 'FULFILLED');
    const admin = await api.adminToken();

    // Act
    const res = await api.post(`/admin/orders/${order.id}/refund`, { token: admin });
    const again = await api.post(`/admin/orders/${order.id}/refund`, { token: admin });
    const seen = await api.get<OrderView>(`/orders/${order.id}`, { token });

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'REFUNDED', payment: { status: 'refunded' }, refund: { restock: false } });
    expect(seen.body.history.map((h) => h.status)).toEqual(['PENDING', 'PAID', 'FULFILLED', 'REFUNDED']);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_REFUNDED');
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 10, available: 8, held: 0, reserved: 0, sold: 2 });
    const refunds = await stripeClient().refunds.list({ payment_intent: order.payment.paymentIntentId! });
    expect(refunds.data).toHaveLength(1);
    const execution = await eventually(() => describeExecution(order.id), (e) => e.status !== 'RUNNING', 10_000);
    expect(execution.status).toBe('SUCCEEDED');
  }, 60_000);

  it('puts a returned order back on the shelf when the merchant restocks it, once', async () => {
    // Prepare: a completed order
    const { token, sku, order } = await orderIn('PAID', { quantity: 3 });
    await ship(order.id);
    await waitForStatus(api, token, order.id, 'FULFILLED');
    const admin = await api.adminToken();
    await whenNotBusy(() => api.post(`/admin/orders/${order.id}/delivered`, { token: admin }));
    await waitForStatus(api, token, order.id, 'COMPLETED');

    // Act: the same request twice (a client retry with its Idempotency-Key)
    const key = randomUUID();
    const refund = () => api.post(`/admin/orders/${order.id}/refund`, { token: admin, body: { restock: true }, headers: { 'idempotency-key': key } });
    const res = await refund();
    const retried = await refund();

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'REFUNDED', payment: { status: 'refunded' }, refund: { restock: true } });
    expect(res.body.history.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'PAID', 'FULFILLED', 'COMPLETED', 'REFUNDED']);
    expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(await inventoryOf(api, sku)).toEqual({ sku, total: 10, available: 10, held: 0, reserved: 0, sold: 0 });
    expect(await stripeClient().refunds.list({ payment_intent: order.payment.paymentIntentId! }).then((r) => r.data.length)).toBe(1);
  }, 60_000);

  it('answers admin actions on orders in the wrong status with 409, unknown orders with 404, customers with 403', async () => {
    const { token, order } = await orderIn('PAYMENT_FAILED', { paymentMethodId: 'pm_card_chargeDeclined' });
    const admin = await api.adminToken();

    const shipFailed = await api.post(`/admin/orders/${order.id}/fulfillment`, { token: admin, body: SHIPMENT });
    const deliverFailed = await api.post(`/admin/orders/${order.id}/delivered`, { token: admin });
    const refundFailed = await api.post(`/admin/orders/${order.id}/refund`, { token: admin });
    const cancelFailed = await api.post(`/orders/${order.id}/cancel`, { token });

    expect([shipFailed, deliverFailed, refundFailed, cancelFailed].map((r) => r.status)).toEqual([409, 409, 409, 409]);
    expect(refundFailed.body.error.code).toBe('ORDER_NOT_REFUNDABLE');
    expect(cancelFailed.body.error.code).toBe('ORDER_NOT_CANCELLABLE');
    expect((await api.post('/admin/orders/ord_000000000000000000000000/refund', { token: admin })).status).toBe(404);
    expect((await api.post(`/admin/orders/${order.id}/fulfillment`, { token, body: SHIPMENT })).status).toBe(403);
    expect((await api.post(`/admin/orders/${order.id}/fulfillment`, { token: admin, body: { carrier: '' } })).status).toBe(400);
  }, 60_000);

  it('charges each order exactly once', async () => {
    const { order } = await orderIn('PAID');

    const intents = await paymentIntentsOf(stripeClient(), order.id);

    expect(intents.map((i) => [i.id, i.status, i.amount])).toEqual([[order.payment.paymentIntentId, 'succeeded', 3000]]);
  }, 60_000);
});

describe('a cancel racing a shipment', () => {
  it('ends every order one way: CANCELLED and refunded, or FULFILLED and charged, never both', async () => {
    // Prepare: paid orders whose fulfillment wait holds its token
    const orders = await Promise.all(Array.from({ length: 4 }, () => orderIn('PAID')));
    const stripe = stripeClient();

    // Act: the customer cancels while the merchant ships, at the same moment
    await Promise.all(
      orders.flatMap(({ token, order }) => [
        whenNotBusy(() => api.post(`/orders/${order.id}/cancel`, { token })),
        ship(order.id),
      ]),
    );

    // Assess
    for (const { token, order } of orders) {
      const settled = await waitForStatus(api, token, order.id, ['CANCELLED', 'FULFILLED']);
      const charges = (await paymentIntentsOf(stripe, order.id)).map((pi) => pi.latest_charge).filter(Boolean);
      const refunded = await Promise.all(charges.map(async (id) => (await stripe.charges.retrieve(id as string)).refunded));
      if (settled.status === 'CANCELLED') expect({ status: settled.status, refunded }).toEqual({ status: 'CANCELLED', refunded: [true] });
      else expect({ status: settled.status, payment: settled.payment.status, refunded }).toEqual({ status: 'FULFILLED', payment: 'succeeded', refunded: [false] });
      expect((await describeExecution(order.id)).status).not.toBe('FAILED');
    }
  }, 90_000);
});
