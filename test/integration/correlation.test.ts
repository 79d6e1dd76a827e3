import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { readFileSync, rmSync } from 'node:fs';
import { apiClient } from '../../bin/support/api';
import { checkout, customerWithCart, executionArnOf, paymentIntentsOf, SHIPPING, sfnClient, stackQueue, stripeClient, waitForStatus } from '../../bin/support/orders';
import { eventually } from '../../bin/support/skus';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';
import { functionLogFile } from '../../lib/local/function-logs';

/**
 * One id follows an order: the checkout's request id (x-request-id) is on the order (staff view),
 * in its workflow's input, on its OrderEvents messages, in its PaymentIntent's metadata, and on
 * the function log lines of every part that handled it, which the local stack keeps in
 * DATA_DIR/logs/functions.log as CloudWatch Logs would. Its own stack: the shared one logs at ERROR.
 */
describe('correlation id', () => {
  let stack: StackProcess;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startStackProcess({ env: { SEED_DEMO: 'false', POWERTOOLS_LOG_LEVEL: 'INFO' } });
    api = apiClient(stack.url, stack.dataDir);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (stack) rmSync(stack.dataDir, { recursive: true, force: true });
  });

  const logLines = () =>
    readFileSync(functionLogFile(stack.dataDir), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);

  it('follows a placed and paid order from the API through the workflow, the queues, Stripe and the logs', async () => {
    // Prepare
    const { token } = await customerWithCart(api);

    // Act
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });
    const correlationId = placed.headers.get('x-request-id')!;
    const orderId = placed.body.id as string;
    await waitForStatus(api, token, orderId, 'PAID');

    // Assess: the order, for staff (the customer's view does not show it)
    const staff = await api.get('/admin/orders', { token: await api.adminToken() });
    expect(staff.body.items.find((order: { id: string }) => order.id === orderId)?.correlationId).toBe(correlationId);
    expect((await api.get(`/orders/${orderId}`, { token })).body).not.toHaveProperty('correlationId');

    // Assess: the workflow's input
    const sfn = sfnClient(stack.engines.sfn);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(orderId) }));
    sfn.destroy();
    expect(JSON.parse(execution.input!)).toMatchObject({ orderId, correlationId });

    // Assess: the PaymentIntent's metadata
    const [intent] = await paymentIntentsOf(stripeClient(stack.engines.stripe), orderId);
    expect(intent?.metadata).toMatchObject({ orderId, correlationId });

    // Assess: the order's events on the OrderEvents queue
    const { sqs, queueUrl } = await stackQueue('OrderEvents', stack.engines.sqs);
    const attributes = await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
        );
        return Messages.filter((m) => JSON.parse(m.Body!).orderId === orderId).map((m) => m.MessageAttributes?.correlationId?.StringValue);
      },
      (found) => found.length > 0,
      10_000,
    );
    sqs.destroy();
    expect(attributes.every((id) => id === correlationId)).toBe(true);

    // Assess: one search of the id in the function logs finds the order's story
    const story = await eventually(
      async () => logLines().filter((line) => line.correlation_id === correlationId),
      (lines) => lines.some((line) => line.message === 'Stripe event handled'),
      15_000,
    );
    const told = story.map((line) => line.message ?? Object.keys(line).find((key) => /^Orders|^Webhook/.test(key)));
    expect(told).toEqual(
      expect.arrayContaining(['OrdersPlaced', 'Stripe call', 'Order charged', 'OrdersPaid', 'Stripe event handled', 'WebhookLagMs']),
    );
    // …each from the function that did it, with its Lambda context
    const charged = story.find((line) => line.message === 'Order charged')!;
    expect(charged).toMatchObject({ orderId, function_name: 'crowdstart-local-workflow-pay', level: 'INFO' });
    // …and nothing of another request's id leaked into them
    const strays = logLines().filter((line) => line.orderId === orderId && line.correlation_id !== correlationId);
    expect(strays.map((line) => `${line.message}: ${line.correlation_id}`)).toEqual([]);
  }, 60_000);
});
