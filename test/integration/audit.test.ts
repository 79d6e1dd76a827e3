import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { apiClient } from '../../bin/support/api';
import { runAudit } from '../../bin/support/audit';
import { checkout, executionArnOf, rewriteOrderItem, SHIPPING, sfnClient, stripeLocal, waitForStatus, whenNotBusy } from '../../bin/support/orders';
import { createSku, eventually, inventoryOf, type Api } from '../../bin/support/skus';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';
import { skuKeys } from '../../functions/adapters/dynamodb/keys';
import { localCredentials } from '../../lib/local/dynamodb';
import { LOCAL_TABLE_NAME } from '../../lib/local/stack';

/**
 * The ledger, the stock auditor and the payment reconciler on a stack of their own (short holds,
 * a fast sweeper), with things broken on purpose: a counter corrupted in the table, a webhook the
 * local Stripe server never sends (its endpoint disabled, as in Stripe's dashboard), and a
 * workflow stopped between the charge and the PAID write.
 */
const BUCKETS = ['total', 'available', 'held', 'reserved', 'sold'] as const;

describe('audits', () => {
  let stack: StackProcess;
  let api: Api;
  let admin: string;

  const stripe = (path: string, body: unknown) => stripeLocal(path, body, stack.engines.stripe);
  const cartOf = async (sku: string, quantity: number) => {
    const token = await api.customerToken();
    const added = await api.post('/cart/items', { token, body: { sku, quantity }, headers: { 'idempotency-key': randomUUID() } });
    expect(added.status).toBe(201);
    return token;
  };
  const placeOrder = async (token: string, paymentMethodId: string) => {
    const placed = await checkout(api, token, { paymentMethodId, shippingAddress: SHIPPING });
    expect({ status: placed.status, error: placed.body.error }).toEqual({ status: 202, error: undefined });
    return placed.body.id as string;
  };
  /** Every ledger entry of the SKU, newest first, read two at a time through the cursor. */
  const ledgerOf = async (sku: string) => {
    const entries: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api.get(`/admin/inventory/${sku}/ledger?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin });
      expect(page.status).toBe(200);
      entries.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return entries;
  };
  const sumOf = (entries: any[]) => Object.fromEntries(BUCKETS.map((b) => [b, entries.reduce((sum, e) => sum + e.delta[b], 0)]));
  const countersOf = async (sku: string) => {
    const { total, available, held, reserved, sold } = await inventoryOf(api, sku);
    return { total, available, held, reserved, sold };
  };
  /** A pm_card_authenticationRequired order waiting for 3-D Secure, with its PaymentIntent. */
  const orderAwaitingAuthentication = async () => {
    const sku = await createSku(api, 5);
    const token = await cartOf(sku, 1);
    const orderId = await placeOrder(token, 'pm_card_authenticationRequired');
    const order = await waitForStatus(api, token, orderId, 'REQUIRES_ACTION');
    return { sku, token, orderId, paymentIntentId: order.payment.paymentIntentId! };
  };

  beforeAll(async () => {
    stack = await startStackProcess({ env: { SEED_DEMO: 'false', HOLD_TTL_SECONDS: '6', SWEEP_INTERVAL_SECONDS: '1' } });
    api = apiClient(stack.url, stack.dataDir);
    admin = await api.adminToken();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop('SIGTERM');
    if (stack) rmSync(stack.dataDir, { recursive: true, force: true });
  }, 30_000);

  it('keeps a ledger of a SKU through add, expiry, checkout, payment, cancel and refund that sums to its counters', async () => {
    // Prepare
    const sku = await createSku(api, 10);
    await cartOf(sku, 2);
    await eventually(() => countersOf(sku), (c) => c.held === 0, 15_000); // swept after its 6 s
    const canceller = await cartOf(sku, 3);
    const cancelled = await placeOrder(canceller, 'pm_card_visa');
    const returner = await cartOf(sku, 1);
    const returned = await placeOrder(returner, 'pm_card_visa');
    await waitForStatus(api, canceller, cancelled, 'PAID');
    await waitForStatus(api, returner, returned, 'PAID');

    // Act
    const cancel = await whenNotBusy(() => api.post(`/orders/${cancelled}/cancel`, { token: canceller }));
    const shipped = await whenNotBusy(() => api.post(`/admin/orders/${returned}/fulfillment`, { token: admin, body: { carrier: 'UPS', trackingNumber: '1Z999' } }));
    await waitForStatus(api, returner, returned, 'FULFILLED');
    const refund = await api.post(`/admin/orders/${returned}/refund`, { token: admin, body: { restock: true } });
    const adjust = await api.post(`/admin/inventory/${sku}/adjust`, { token: admin, body: { delta: -1 } });
    await waitForStatus(api, canceller, cancelled, 'CANCELLED');

    // Assess
    expect([cancel.status, shipped.status, refund.status, adjust.status]).toEqual([202, 202, 200, 200]); // cancel and ship go through the workflow
    const counters = await countersOf(sku);
    expect(counters).toEqual({ total: 9, available: 9, held: 0, reserved: 0, sold: 0 });
    const entries = await eventually(() => ledgerOf(sku), (e) => JSON.stringify(sumOf(e)) === JSON.stringify(counters), 15_000);
    expect(sumOf(entries)).toEqual(counters);
    expect(entries.map((e) => e.kind).sort()).toEqual(
      ['admin-set', 'hold', 'hold-expiry', 'hold', 'reservation', 'hold', 'reservation', 'sale', 'sale', 'cancellation', 'refund-restock', 'admin-adjust'].sort(),
    );
    const times = entries.map((e) => e.at);
    expect(times).toEqual([...times].sort().reverse()); // newest first
    expect(entries.at(-1)).toMatchObject({ kind: 'admin-set', delta: { total: 10, available: 10 }, cause: { admin: expect.any(String), requestId: expect.any(String) } });
    expect(entries.find((e) => e.kind === 'hold-expiry')).toMatchObject({ delta: { held: -2, available: 2 }, cause: { customerId: expect.any(String) } });
    expect(entries.find((e) => e.kind === 'cancellation')).toMatchObject({ delta: { sold: -3, available: 3 }, cause: { orderId: cancelled } });
    expect(entries.find((e) => e.kind === 'refund-restock')).toMatchObject({ delta: { sold: -1, available: 1 }, cause: { orderId: returned } });
    expect(entries[0]).toMatchObject({ kind: 'admin-adjust', delta: { total: -1, available: -1 } });
  }, 90_000);

  it('audits a consistent stock clean, then reports exactly the SKU whose counter was corrupted in the table', async () => {
    // Prepare
    const [healthy, corrupted] = [await createSku(api, 4), await createSku(api, 6)];
    const clean = await runAudit(api, stack.dataDir);
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.engines.dynamodb, region: 'us-east-1', credentials: localCredentials }));
    const held = (delta: number) =>
      dynamo.send(new UpdateCommand({ TableName: LOCAL_TABLE_NAME, Key: skuKeys.stock(corrupted), UpdateExpression: 'SET held = held + :d', ExpressionAttributeValues: { ':d': delta } }));

    // Act
    await held(1);
    const report = await runAudit(api, stack.dataDir);
    await held(-1);
    dynamo.destroy();

    // Assess
    expect(clean.stock.discrepancies).toEqual([]);
    expect(clean.stock.checkedSkus).toBeGreaterThanOrEqual(2);
    expect(await countersOf(healthy)).toMatchObject({ total: 4, available: 4 });
    expect(report.stock.discrepancies).toEqual([
      { sku: corrupted, bucket: 'held', counter: 1, recomputed: 0 },
      { sku: corrupted, bucket: 'invariant', counter: 7, recomputed: 6 },
    ]);
    // the ledger saw the direct writes too, once the table stream delivered them
    const unattributedOf = async () => (await ledgerOf(corrupted)).filter((e) => e.kind === 'unattributed');
    const unattributed = await eventually(unattributedOf, (entries) => entries.length >= 2, 15_000);
    expect(unattributed.map((e) => e.delta.held)).toEqual([-1, 1]);
  }, 90_000);

  it('repairs a paid order whose webhook was never sent by resuming its workflow, once', async () => {
    // Prepare
    const { token, orderId, paymentIntentId, sku } = await orderAwaitingAuthentication();
    await stripe('webhook_endpoint', { enabled: false });
    await stripe(`payment_intents/${paymentIntentId}/authenticate`, { outcome: 'succeed' });
    await stripe('webhook_endpoint', { enabled: true });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await api.get(`/orders/${orderId}`, { token })).body.status).toBe('REQUIRES_ACTION'); // the webhook really is lost

    // Act
    const report = await runAudit(api, stack.dataDir);
    const paid = await waitForStatus(api, token, orderId, 'PAID', 15_000);
    const again = await runAudit(api, stack.dataDir);

    // Assess
    expect(report.payments.repaired).toContainEqual({ action: 'resumed', orderId, paymentIntentId });
    expect(report.payments.checkedPaymentIntents).toBeGreaterThanOrEqual(1);
    expect(paid.payment.status).toBe('succeeded');
    expect(await countersOf(sku)).toMatchObject({ reserved: 0, sold: 1 });
    expect(again.payments.repaired.filter((r: any) => r.orderId === orderId)).toEqual([]);
    expect(again.payments.discrepancies).toEqual([]);
  }, 90_000);

  it('repairs an order whose workflow stopped between the charge and the PAID write, directly', async () => {
    // Prepare
    const { token, orderId, paymentIntentId, sku } = await orderAwaitingAuthentication();
    await sfnClient(stack.engines.sfn).send(new StopExecutionCommand({ executionArn: executionArnOf(orderId), error: 'Crash' }));
    await stripe('webhook_endpoint', { enabled: false });
    await stripe(`payment_intents/${paymentIntentId}/authenticate`, { outcome: 'succeed' });
    await stripe('webhook_endpoint', { enabled: true });

    // Act
    const report = await runAudit(api, stack.dataDir);

    // Assess
    expect(report.payments.repaired).toContainEqual({ action: 'settled', orderId, paymentIntentId });
    expect((await api.get(`/orders/${orderId}`, { token })).body).toMatchObject({ status: 'PAID', payment: { status: 'succeeded' } });
    expect(await countersOf(sku)).toMatchObject({ reserved: 0, sold: 1 });
    expect(report.stock.discrepancies).toEqual([]);
  }, 90_000);

  it('raises an order marked PAID that Stripe never charged', async () => {
    // Prepare
    const sku = await createSku(api, 3);
    const token = await cartOf(sku, 1);
    const orderId = await placeOrder(token, 'pm_card_chargeDeclined');
    await waitForStatus(api, token, orderId, 'PAYMENT_FAILED');
    await rewriteOrderItem(stack.engines.dynamodb!, orderId, { expression: 'SET #status = :paid', names: { '#status': 'status' }, values: { ':paid': 'PAID' } });

    // Act
    const report = await runAudit(api, stack.dataDir);

    // Assess
    expect(report.payments.discrepancies).toEqual([
      expect.objectContaining({ kind: 'PAID_WITHOUT_PAYMENT', orderId, paymentIntentIds: [expect.stringMatching(/^pi_/)] }),
    ]);
  }, 90_000);
});
