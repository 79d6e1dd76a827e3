/**
 * The order workflow survives a crash: an order waiting for the merchant when the whole stack is
 * SIGKILLed resumes on the next start (same DATA_DIR), ships, is delivered and completes with
 * one history entry per status, one charge, and its stock sold exactly once. Runs on a stack of
 * its own, since it kills it.
 */
import { DescribeExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiClient } from '../../bin/support/api';
import {
  checkout,
  customerWithCart,
  executionArnOf,
  executionHistory as historyOf,
  paymentIntentsOf,
  sfnClient,
  SHIPPING,
  stripeClient,
  waitForStatus,
  whenNotBusy,
} from '../../bin/support/orders';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';

/** Two stack starts, a possible SQS redelivery wait (60 s visibility) and the workflow's steps. */
const TEST_TIMEOUT_MS = 420_000;

/** Polls `probe` until it returns a value; fails with `what` after `timeoutMs`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

const entered = (events: HistoryEvent[]) => events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name!);

describe('order workflow across a crash of the stack', () => {
  const stacks: StackProcess[] = [];
  let dataDir: string | undefined;

  afterAll(async () => {
    for (const stack of stacks) await stack.stop('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('resumes an order awaiting fulfillment after SIGKILL and completes it with its full history', async () => {
    // Prepare: a paid order whose execution waits for the merchant (its SQS message sent)
    const first = await startStackProcess({ env: { SEED_DEMO: 'false', COMPLETE_AFTER_SECONDS: '3600' } });
    stacks.push(first);
    dataDir = first.dataDir;
    const before = apiClient(first.url, first.dataDir);
    const { sku, token, quantity, price } = await customerWithCart(before, { stock: 5, quantity: 2, price: 1250 });
    const customerId = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
    const placed = await checkout(before, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING }, randomUUID());
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as string;
    const paid = await waitForStatus(before, token, orderId, 'PAID', 30_000);
    const executionArn = executionArnOf(orderId);
    const sfnBefore = sfnClient(first.engines.sfn);
    await eventually('the fulfillment message to be sent', async () => {
      const events = await historyOf(sfnBefore, executionArn);
      const waiting = events.findIndex((e) => e.stateEnteredEventDetails?.name === 'Await fulfillment');
      return waiting >= 0 && events.slice(waiting).some((e) => e.type === 'TaskSubmitted') ? true : undefined;
    });
    sfnBefore.destroy();
    const admin = await before.adminToken();
    expect((await before.get(`/admin/inventory/${sku}`, { token: admin })).body).toMatchObject({ total: 5, reserved: 0, sold: 2, available: 3 });

    // Act: crash everything, start again on the same data directory, ship and confirm delivery
    await first.stop('SIGKILL');
    stacks.splice(stacks.indexOf(first), 1);
    const second = await startStackProcess({ dataDir, env: { SEED_DEMO: 'false', COMPLETE_AFTER_SECONDS: '3600' } });
    stacks.push(second);
    const after = apiClient(second.url, second.dataDir);
    const customer = await after.token(customerId);
    const staff = await after.adminToken();
    const sfn = sfnClient(second.engines.sfn);
    const resumed = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // The fulfillment token may only be recorded once the Fulfillment message is redelivered
    // (after its visibility timeout), so the merchant's call may be told to retry for a while.
    const shipped = await whenNotBusy(
      () => after.post(`/admin/orders/${orderId}/fulfillment`, { token: staff, body: { carrier: 'DHL', trackingNumber: 'JD014600006281234567' } }),
      90_000,
    );
    await waitForStatus(after, customer, orderId, 'FULFILLED', 30_000);
    const delivered = await whenNotBusy(() => after.post(`/admin/orders/${orderId}/delivered`, { token: staff }), 30_000);
    const completed = await waitForStatus(after, customer, orderId, 'COMPLETED', 30_000);
    const execution = await eventually('the execution to succeed', async () => {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === 'RUNNING' ? undefined : described;
    });
    const states = entered(await historyOf(sfn, executionArn));
    const inventory = (await after.get(`/admin/inventory/${sku}`, { token: staff })).body;
    const intents = await paymentIntentsOf(stripeClient(second.engines.stripe), orderId);
    sfn.destroy();

    // Assess
    expect(resumed.status).toBe('RUNNING');
    expect(shipped.status).toBe(202);
    expect(delivered.status).toBe(202);
    expect(execution.status).toBe('SUCCEEDED');
    expect(completed).toMatchObject({
      id: orderId,
      status: 'COMPLETED',
      items: [expect.objectContaining({ sku, quantity, unitPrice: { amount: price, currency: 'USD' } })],
      total: { amount: quantity * price, currency: 'USD' },
      payment: { status: 'succeeded', paymentIntentId: paid.payment.paymentIntentId },
      fulfillment: { carrier: 'DHL', trackingNumber: 'JD014600006281234567' },
    });
    expect(completed.history.map((h) => h.status)).toEqual(['PENDING', 'PAID', 'FULFILLED', 'COMPLETED']);
    const times = completed.history.map((h) => Date.parse(h.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Resumed at the wait, not replayed; the merchant's actions wrote FULFILLED and COMPLETED themselves.
    expect(states).toEqual(['Pay', 'Await fulfillment', 'Await delivery']);
    expect(intents.map((i) => i.status)).toEqual(['succeeded']); // charged once
    expect(inventory).toMatchObject({ total: 5, available: 3, held: 0, reserved: 0, sold: 2 });
    expect((completed as unknown as Record<string, unknown>).tokens).toBeUndefined(); // never shown to clients
  }, TEST_TIMEOUT_MS);
});
