/**
 * A fulfilled order whose delivery is never confirmed completes by itself after
 * COMPLETE_AFTER_SECONDS, and the wait survives a crash of the stack (it is a task-token wait
 * with TimeoutSecondsPath, whose deadline the local Step Functions service persists).
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiClient } from '../../bin/support/api';
import {
  checkout,
  customerWithCart,
  executionArnOf,
  executionHistory,
  SHIPPING,
  sfnClient,
  waitForStatus,
  whenNotBusy,
} from '../../bin/support/orders';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';

const COMPLETE_AFTER_SECONDS = 6;

describe('completion without delivery confirmation', () => {
  const stacks: StackProcess[] = [];

  afterAll(async () => {
    for (const stack of stacks) await stack.stop('SIGTERM');
    if (stacks[0]) rmSync(stacks[0].dataDir, { recursive: true, force: true });
  }, 60_000);

  it('completes a fulfilled order after COMPLETE_AFTER_SECONDS, across a restart', async () => {
    // Prepare: a fulfilled order on a stack with a short completion wait
    const env = { SEED_DEMO: 'false', COMPLETE_AFTER_SECONDS: String(COMPLETE_AFTER_SECONDS) };
    const first = await startStackProcess({ env });
    stacks.push(first);
    const before = apiClient(first.url, first.dataDir);
    const { token } = await customerWithCart(before);
    const customerId = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
    const orderId = (await checkout(before, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING }, randomUUID())).body.id;
    await waitForStatus(before, token, orderId, 'PAID', 30_000);
    const staff = await before.adminToken();
    await whenNotBusy(() => before.post(`/admin/orders/${orderId}/fulfillment`, { token: staff, body: { carrier: 'UPS', trackingNumber: '1Z999' } }), 30_000);
    await waitForStatus(before, token, orderId, 'FULFILLED', 30_000);

    // Act: crash while the order waits for delivery, then start again on the same data
    await sleep(1_000);
    await first.stop('SIGKILL');
    const second = await startStackProcess({ dataDir: first.dataDir, env });
    stacks.push(second);
    const after = apiClient(second.url, second.dataDir);
    const completed = await waitForStatus(after, await after.token(customerId), orderId, 'COMPLETED', 60_000);
    const sfn = sfnClient(second.engines.sfn);
    const events = await executionHistory(sfn, executionArnOf(orderId));
    sfn.destroy();

    // Assess: completed by the timeout, never earlier than the configured wait after shipping
    const at = (status: string) => Date.parse(completed.history.find((h) => h.status === status)!.at);
    expect(completed.history.map((h) => h.status)).toEqual(['PENDING', 'PAID', 'FULFILLED', 'COMPLETED']);
    expect(at('COMPLETED') - at('FULFILLED')).toBeGreaterThanOrEqual(COMPLETE_AFTER_SECONDS * 1000);
    // Four state transitions: the completion is one direct UpdateItem, not a Lambda step.
    const entered = events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name);
    expect(entered).toEqual(['Pay', 'Await fulfillment', 'Await delivery', 'Auto-complete']);
    expect(events.at(-1)!.type).toBe('ExecutionSucceeded');
  }, 240_000);
});
