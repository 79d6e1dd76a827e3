import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStepFunctionsService, type StepFunctionsService, type TaskHandler } from '../../lib/local/stepfunctions';

// The local Step Functions service, driven only through @aws-sdk/client-sfn as the project's
// code drives it. The state machines are small ASL documents in the shapes CDK renders.

const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const machineArn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;
const QUEUE_URL = 'http://sqs.local/000000000000/fulfillment';
/** The Heartbeat machine's task deadline: long enough that a loaded machine's late timers stay well inside it. */
const HEARTBEAT_SECONDS = 3;

const definitions = {
  Chain: {
    StartAt: 'Price',
    States: {
      Price: { Type: 'Task', Resource: lambdaArn('price'), ResultPath: '$.price', Next: 'Reserve' },
      Reserve: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: lambdaArn('reserve'), Payload: { 'order.$': '$', 'executionName.$': '$$.Execution.Name' } },
        OutputPath: '$.Payload',
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  },
  Retry: {
    StartAt: 'Flaky',
    States: {
      Flaky: {
        Type: 'Task',
        Resource: lambdaArn('flaky'),
        Retry: [{ ErrorEquals: ['Throttled'], IntervalSeconds: 0.1, BackoffRate: 2, MaxAttempts: 3 }],
        End: true,
      },
    },
  },
  Catch: {
    StartAt: 'Charge',
    States: {
      Charge: {
        Type: 'Task',
        Resource: lambdaArn('charge'),
        Catch: [{ ErrorEquals: ['PaymentDeclined'], ResultPath: '$.failure', Next: 'ReleaseStock' }],
        Next: 'Paid',
      },
      Paid: { Type: 'Pass', Result: 'PAID', ResultPath: '$.status', End: true },
      ReleaseStock: { Type: 'Task', Resource: lambdaArn('release'), ResultPath: '$.released', Next: 'PaymentFailed' },
      PaymentFailed: { Type: 'Fail', Error: 'PaymentFailed', Cause: 'The card was declined' },
    },
  },
  Callback: {
    StartAt: 'AwaitMerchant',
    States: {
      AwaitMerchant: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: {
          QueueUrl: QUEUE_URL,
          MessageBody: { 'taskToken.$': '$$.Task.Token', 'orderId.$': '$.orderId', 'executionArn.$': '$$.Execution.Id' },
        },
        ResultPath: '$.fulfillment',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Compensate' }],
        Next: 'Fulfilled',
      },
      Fulfilled: { Type: 'Succeed' },
      Compensate: { Type: 'Pass', Result: 'stock released', ResultPath: '$.compensation', End: true },
    },
  },
  Heartbeat: {
    StartAt: 'AwaitMerchant',
    States: {
      AwaitMerchant: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { QueueUrl: QUEUE_URL, MessageBody: { 'taskToken.$': '$$.Task.Token', 'orderId.$': '$.orderId' } },
        HeartbeatSeconds: HEARTBEAT_SECONDS,
        ResultPath: '$.fulfillment',
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'GaveUp' }],
        End: true,
      },
      GaveUp: { Type: 'Pass', End: true },
    },
  },
  Delay: {
    StartAt: 'Pause',
    States: {
      Pause: { Type: 'Wait', SecondsPath: '$.delaySeconds', Next: 'Stamp' },
      Stamp: { Type: 'Task', Resource: lambdaArn('stamp'), End: true },
    },
  },
};

/** Handlers that record what they were given, like a local queue and Lambdas would. */
function fakeWorld() {
  const messages: { body: { taskToken: string; orderId: string; executionArn?: string }; token?: string }[] = [];
  const attempts = new Map<string, number[]>();
  const released: unknown[] = [];
  const handlers: Record<string, TaskHandler> = {
    price: async (input) => ({ amount: (input as { quantity: number }).quantity * 250, currency: 'USD' }),
    [lambdaArn('reserve')]: async (input) => {
      const { order, executionName } = input as { order: { orderId: string }; executionName: string };
      return { ...order, reservationId: `res-${order.orderId}`, executionName };
    },
    flaky: async (_input, context) => {
      const calls = [...(attempts.get(context.executionArn) ?? []), Date.now()];
      attempts.set(context.executionArn, calls);
      if (calls.length < 3) throw Object.assign(new Error('slow down'), { name: 'Throttled' });
      return { attempts: calls.length };
    },
    charge: async (input) => {
      if ((input as { card: string }).card === 'declined') throw Object.assign(new Error('card declined'), { name: 'PaymentDeclined' });
      return { charged: true };
    },
    release: async (input) => {
      released.push(input);
      return true;
    },
    'arn:aws:lambda:*:*:function:stamp': async () => ({ stampedAt: Date.now() }),
    'arn:aws:states:::sqs:sendMessage': async (input, context) => {
      const { QueueUrl, MessageBody } = input as { QueueUrl: string; MessageBody: (typeof messages)[number]['body'] };
      expect(QueueUrl).toBe(QUEUE_URL);
      messages.push({ body: MessageBody, token: context.taskToken });
      return { MessageId: `msg-${messages.length}` };
    },
  };
  return { handlers, messages, attempts, released };
}

async function startService(dataDir: string, world: ReturnType<typeof fakeWorld>) {
  const service = await startStepFunctionsService({
    dataDir,
    stateMachines: Object.entries(definitions).map(([name, definition]) => ({ name, definition })),
    taskHandlers: world.handlers,
  });
  const client = new SFNClient({
    endpoint: service.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { service, client, world };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe('local Step Functions service', () => {
  let dataDir: string;
  let world: ReturnType<typeof fakeWorld>;
  let service: StepFunctionsService;
  let client: SFNClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'local-sfn-'));
    world = fakeWorld();
    ({ service, client } = await startService(dataDir, world));
  }, 30_000); // validating the definitions (asl-validator) is slow under jest's VM modules

  afterAll(async () => {
    client.destroy();
    await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async (machine: keyof typeof definitions, input: object, name?: string) =>
    (await client.send(new StartExecutionCommand({ stateMachineArn: machineArn(machine), input: JSON.stringify(input), name }))).executionArn!;

  const describeExecution = (executionArn: string) => client.send(new DescribeExecutionCommand({ executionArn }));

  const settled = (executionArn: string, timeoutMs?: number) =>
    eventually(
      `${executionArn} to finish`,
      async () => {
        const execution = await describeExecution(executionArn);
        return execution.status === 'RUNNING' ? undefined : execution;
      },
      timeoutMs,
    );

  const history = async (executionArn: string): Promise<HistoryEvent[]> =>
    (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];

  const messageFor = (orderId: string) =>
    eventually(`the task token message of ${orderId}`, async () => world.messages.find((m) => m.body.orderId === orderId));

  it('runs a task chain, passing outputs along, and records a readable history', async () => {
    // Prepare
    const executionArn = await start('Chain', { orderId: 'o-1', quantity: 2 }, 'chain-1');

    // Act
    const execution = await settled(executionArn);

    // Assess
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:Chain:chain-1');
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({
      orderId: 'o-1',
      quantity: 2,
      price: { amount: 500, currency: 'USD' },
      reservationId: 'res-o-1',
      executionName: 'chain-1',
    });
    const events = await history(executionArn);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e) => e.timestamp instanceof Date && e.timestamp.getTime() >= execution.startDate!.getTime())).toBe(true);
    expect(events[1]?.stateEnteredEventDetails).toMatchObject({ name: 'Price', input: JSON.stringify({ orderId: 'o-1', quantity: 2 }) });
    const reserveSucceeded = JSON.parse(events[9]?.taskSucceededEventDetails?.output ?? 'null') as { Payload: unknown; StatusCode: number };
    expect(reserveSucceeded).toMatchObject({ StatusCode: 200, Payload: { reservationId: 'res-o-1' } });
    const succeeded = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn('Chain'), statusFilter: 'SUCCEEDED' }));
    expect(succeeded.executions?.map((e) => e.executionArn)).toContain(executionArn);
    const running = await client.send(new ListExecutionsCommand({ stateMachineArn: machineArn('Chain'), statusFilter: 'RUNNING' }));
    expect(running.executions).toEqual([]);
  });

  it('retries a failing task with backoff until it succeeds', async () => {
    const executionArn = await start('Retry', {});

    const execution = await settled(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ attempts: 3 });
    const [first = 0, second = 0, third = 0] = world.attempts.get(executionArn) ?? [];
    expect(second - first).toBeGreaterThanOrEqual(95); // IntervalSeconds 0.1
    expect(third - second).toBeGreaterThanOrEqual(190); // × BackoffRate 2
    const failures = (await history(executionArn)).filter((e) => e.type === 'LambdaFunctionFailed');
    expect(failures).toHaveLength(2);
    expect(failures[0]?.lambdaFunctionFailedEventDetails?.error).toBe('Throttled');
    expect(JSON.parse(failures[0]?.lambdaFunctionFailedEventDetails?.cause ?? '{}')).toMatchObject({ errorType: 'Throttled', errorMessage: 'slow down' });
  });

  it('routes a caught error to the compensation state', async () => {
    const executionArn = await start('Catch', { orderId: 'o-2', card: 'declined' });

    const execution = await settled(executionArn);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'PaymentFailed', cause: 'The card was declined' });
    const compensation = world.released.find((input) => (input as { orderId: string }).orderId === 'o-2') as {
      failure: { Error: string; Cause: string };
    };
    expect(compensation.failure.Error).toBe('PaymentDeclined');
    expect(JSON.parse(compensation.failure.Cause)).toMatchObject({ errorType: 'PaymentDeclined', errorMessage: 'card declined' });
    const types = (await history(executionArn)).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['TaskStateExited', 'FailStateEntered', 'ExecutionFailed']);
  });

  it('waits for the task token and resumes with the output of SendTaskSuccess', async () => {
    const executionArn = await start('Callback', { orderId: 'o-3' });
    const message = await messageFor('o-3');
    await sleep(100);
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    await client.send(new SendTaskSuccessCommand({ taskToken: message.body.taskToken, output: JSON.stringify({ trackingNumber: 'TRACK-3' }) }));
    const execution = await settled(executionArn);

    expect(message.token).toBe(message.body.taskToken);
    expect(message.body.executionArn).toBe(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ orderId: 'o-3', fulfillment: { trackingNumber: 'TRACK-3' } });
    const types = (await history(executionArn)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded']));
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: message.body.taskToken, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist', $metadata: { httpStatusCode: 400 } });
  });

  it('routes SendTaskFailure to the Catch of the waiting state', async () => {
    const executionArn = await start('Callback', { orderId: 'o-4' });
    const message = await messageFor('o-4');

    await client.send(new SendTaskFailureCommand({ taskToken: message.body.taskToken, error: 'MerchantRejected', cause: 'out of stock' }));
    const execution = await settled(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({
      orderId: 'o-4',
      error: { Error: 'MerchantRejected', Cause: 'out of stock' },
      compensation: 'stock released',
    });
  });

  it('rejects a malformed token with InvalidToken', async () => {
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }))).rejects.toMatchObject({
      name: 'InvalidToken',
    });
    await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: 'not-a-token' }))).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('times out a waiting task whose heartbeats stop', async () => {
    const startedAt = Date.now();
    const executionArn = await start('Heartbeat', { orderId: 'o-5' });
    const message = await messageFor('o-5');

    // Times from the start and from the heartbeat itself, so a slow machine's late timer cannot
    // move a check across a deadline: the heartbeat halfway to the first deadline, the check past
    // that deadline and a whole second inside the one the heartbeat set.
    const heartbeatMs = HEARTBEAT_SECONDS * 1000;
    await sleep(startedAt + heartbeatMs / 2 - Date.now());
    await client.send(new SendTaskHeartbeatCommand({ taskToken: message.body.taskToken }));
    const heartbeatAt = Date.now();
    await sleep(Math.max(startedAt + heartbeatMs, heartbeatAt + heartbeatMs / 2) + 250 - Date.now());
    const stillRunning = await describeExecution(executionArn);
    const execution = await settled(executionArn);

    expect(stillRunning.status).toBe('RUNNING');
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).error).toEqual({ Error: 'States.HeartbeatTimeout', Cause: 'States.HeartbeatTimeout' });
    expect((await history(executionArn)).map((e) => e.type)).toContain('TaskTimedOut');
  });

  it('treats StartExecution with the same name and input as the same execution', async () => {
    const first = await start('Callback', { orderId: 'o-6' }, 'order-o-6');
    const again = await start('Callback', { orderId: 'o-6' }, 'order-o-6');
    await expect(start('Callback', { orderId: 'other' }, 'order-o-6')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    const message = await messageFor('o-6');
    await sleep(50);

    expect(again).toBe(first);
    expect(world.messages.filter((m) => m.body.orderId === 'o-6')).toHaveLength(1);
    await client.send(new SendTaskSuccessCommand({ taskToken: message.body.taskToken, output: '{}' }));
    await settled(first);
    await expect(start('Callback', { orderId: 'o-6' }, 'order-o-6')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('aborts a waiting execution on StopExecution', async () => {
    const executionArn = await start('Callback', { orderId: 'o-7' });
    const message = await messageFor('o-7');

    await client.send(new StopExecutionCommand({ executionArn, error: 'OrderCancelled', cause: 'customer cancelled' }));
    const execution = await describeExecution(executionArn);

    expect(execution).toMatchObject({ status: 'ABORTED', error: 'OrderCancelled', cause: 'customer cancelled' });
    expect(execution.stopDate).toBeInstanceOf(Date);
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: message.body.taskToken, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    const events = await history(executionArn);
    expect(events.at(-1)?.type).toBe('ExecutionAborted');
    expect(events.map((e) => e.type)).not.toContain('TaskSucceeded');
  });

  it('answers unknown executions and state machines with the AWS errors', async () => {
    await expect(describeExecution(machineArn('Chain').replace('stateMachine', 'execution') + ':nope')).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: machineArn('Nope') }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(start('Chain', {}, 'has spaces')).rejects.toMatchObject({ name: 'InvalidName' });
  });
});

describe('local Step Functions service after a crash', () => {
  it('resumes a waiting callback with its old token and a Wait state with the time left', async () => {
    // Prepare: one execution waits on a task token, another sits in a 2 s Wait.
    const dataDir = await mkdtemp(join(tmpdir(), 'local-sfn-resume-'));
    const crashDir = `${dataDir}-crashed`;
    const before = await startService(dataDir, fakeWorld());
    const callbackArn = (
      await before.client.send(
        new StartExecutionCommand({ stateMachineArn: machineArn('Callback'), name: 'order-r1', input: JSON.stringify({ orderId: 'r-1' }) }),
      )
    ).executionArn!;
    const waitStartedAt = Date.now();
    const delayArn = (
      await before.client.send(
        new StartExecutionCommand({ stateMachineArn: machineArn('Delay'), name: 'delay-r2', input: JSON.stringify({ delaySeconds: 2 }) }),
      )
    ).executionArn!;
    const token = await eventually('the token message', async () => before.world.messages.find((m) => m.body.orderId === 'r-1')?.body.taskToken);
    await sleep(800);

    // Act: the disk as a killed process leaves it (the first service keeps running meanwhile,
    // so nothing is flushed or closed), and a new process on that disk.
    await cp(dataDir, crashDir, { recursive: true });
    before.client.destroy();
    await before.service.stop();
    const after = await startService(crashDir, fakeWorld());
    try {
      const resumed = await after.client.send(new DescribeExecutionCommand({ executionArn: callbackArn }));
      await after.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ shipped: true }) }));
      const waitUntilDone = async (executionArn: string) =>
        eventually(`${executionArn} to finish`, async () => {
          const execution: DescribeExecutionCommandOutput = await after.client.send(new DescribeExecutionCommand({ executionArn }));
          return execution.status === 'RUNNING' ? undefined : execution;
        });
      const callback = await waitUntilDone(callbackArn);
      const delay = await waitUntilDone(delayArn);

      // Assess
      expect(resumed.status).toBe('RUNNING');
      expect(callback.status).toBe('SUCCEEDED');
      expect(JSON.parse(callback.output!)).toEqual({ orderId: 'r-1', fulfillment: { shipped: true } });
      expect(after.world.messages).toEqual([]); // the message was delivered before the crash: not again

      expect(delay.status).toBe('SUCCEEDED');
      const waited = (JSON.parse(delay.output!) as { stampedAt: number }).stampedAt - waitStartedAt;
      expect(waited).toBeGreaterThanOrEqual(1_950); // the full 2 s …
      expect(waited).toBeLessThan(2_600); // … counted from the first entry, not from the restart
      const delayHistory = (await after.client.send(new GetExecutionHistoryCommand({ executionArn: delayArn }))).events ?? [];
      expect(delayHistory.map((e) => e.type)).toEqual([
        'ExecutionStarted',
        'WaitStateEntered',
        'WaitStateExited',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
    } finally {
      after.client.destroy();
      await after.service.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(crashDir, { recursive: true, force: true });
    }
  }, 30_000);
});
