import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { apiClient } from '../../bin/support/api';
import { checkout, customerWithCart, SHIPPING, stackQueue, waitForStatus } from '../../bin/support/orders';

const api = apiClient();

interface StatusChanged {
  type: string;
  eventId: string;
  orderId: string;
  customerId: string;
  from: string | null;
  to: string;
  at: string;
}

/**
 * Reads the OrderEvents queue (as a merchant integration would) until `done` says the events of
 * `orderId` are complete. This test is the queue's only reader; other orders' events are left
 * invisible for a while and come back for whoever wants them.
 */
async function eventsOf(orderId: string, done: (events: StatusChanged[]) => boolean, timeoutMs = 20_000) {
  const { sqs, queueUrl } = await stackQueue('OrderEvents');
  const events: StatusChanged[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (!done(events) && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 20 }),
      );
      for (const message of Messages) {
        const event = JSON.parse(message.Body!) as StatusChanged;
        if (event.orderId !== orderId) continue;
        events.push(event);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      }
    }
  } finally {
    sqs.destroy();
  }
  return events;
}

describe('order events', () => {
  it('publishes every status change of an order to the OrderEvents queue: PENDING, then PAID', async () => {
    // Prepare
    const { token } = await customerWithCart(api);

    // Act
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });
    const paid = await waitForStatus(api, token, placed.body.id, 'PAID');
    const events = await eventsOf(placed.body.id, (seen) => seen.some((e) => e.to === 'PAID'));

    // Assess
    const ordered = [...new Map(events.map((e) => [e.eventId, e])).values()].sort((a, b) => a.at.localeCompare(b.at));
    expect(ordered.map((e) => [e.from, e.to])).toEqual([
      [null, 'PENDING'],
      ['PENDING', 'PAID'],
    ]);
    for (const event of ordered) {
      expect(event).toEqual({
        type: 'order.status_changed',
        eventId: expect.stringMatching(new RegExp(`^${placed.body.id}:\\d+$`)),
        orderId: placed.body.id,
        customerId: expect.any(String),
        from: event.from,
        to: event.to,
        at: paid.history.find((h) => h.status === event.to)!.at,
      });
    }
    const versions = ordered.map((e) => Number(e.eventId.split(':')[1]));
    expect(versions[1]).toBeGreaterThan(versions[0]!);
  }, 40_000);
});
