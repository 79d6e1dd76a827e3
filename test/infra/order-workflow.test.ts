import { Match } from 'aws-cdk-lib/assertions';
import { WORKFLOW_TASKS } from '../../lib/constructs/order-workflow';
import { renderOrderWorkflowDefinition } from '../../lib/local/workflow';
import { actionsOfRole, allResources, resources, synthTenant, throughParameters } from './support';

interface State {
  Type: string;
  Result?: unknown;
  Error?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Resource?: string;
  Parameters?: Record<string, any>;
  Choices?: { Variable: string; StringEquals: string; Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number; BackoffRate?: number; IntervalSeconds?: number }[];
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  ResultPath?: string | null;
}
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

const dev = synthTenant('dev');
const { stack, template } = dev;
const all = resources(template);
const [machineId, machine] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))[0]!;
const definition = parseDefinition(machine.Properties.DefinitionString);
const states = definition.States;
const logicalIdOf = (type: string, predicate: (props: any) => boolean) =>
  Object.entries(all).find(([, r]) => r.Type === type && predicate(r.Properties ?? {}))?.[0];
const fulfillmentQueueId = Object.keys(all).find((id) => all[id]!.Type === 'AWS::SQS::Queue' && id.startsWith('QueuesFulfillmentQueue'))!;

/** The DefinitionString with every intrinsic (function ARNs, the queue URL) as a `<Ref>` marker. */
function parseDefinition(value: unknown): Definition {
  if (typeof value === 'string') return JSON.parse(value);
  const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const p = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      return p.Ref ? `<${p.Ref}>` : `<${p['Fn::GetAtt']![0]}.${p['Fn::GetAtt']![1]}>`;
    })
    .join(separator);
  return JSON.parse(text);
}

/** Follows Next from `start` until an end. */
function pathFrom(start: string): string[] {
  const path = [start];
  for (let state = states[start]!; state.Next; state = states[state.Next]!) path.push(state.Next);
  return path;
}

/** The alias logical id a Task state invokes (direct ARN or lambda:invoke FunctionName): a `<Ref>` of a live alias. */
function aliasOf(stateName: string): string {
  const state = states[stateName]!;
  const ref = state.Resource!.startsWith('<') ? state.Resource! : (state.Parameters!.FunctionName as string);
  return /^<(\w+)>$/.exec(ref)![1]!;
}

/** The Lambda logical id behind a Task state, through the alias it invokes. */
function functionOf(stateName: string): string {
  const alias = all[aliasOf(stateName)]!;
  expect(alias.Type).toBe('AWS::Lambda::Alias');
  return (alias.Properties!.FunctionName as { Ref: string }).Ref;
}

/** The steps whose errors past their retries end in the fault path (all but the two payment steps). */
const FAULT_CAUGHT = [
  'Mark paid',
  'Await fulfillment',
  'Await delivery',
  'Auto-complete',
  'Mark payment failed',
  'Void payment',
  'Cancel payment',
  'Refund payment',
  'Mark cancelled',
];
const faultCatch = (name: string) => ({ ErrorEquals: ['States.ALL'], ResultPath: '$.fault', Next: `${name} failed` });

describe('order workflow state machine', () => {
  it('is one STANDARD state machine with readable states', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(definition.StartAt).toBe('Pay');
    expect(Object.keys(states).sort()).toEqual(
      [
        'Pay',
        'Pay failed',
        'Await authentication',
        'Authentication outcome',
        'Mark paid',
        'Await fulfillment',
        'Await delivery',
        'Auto-complete',
        'Completed or returned meanwhile',
        'Mark payment failed',
        'Void payment',
        'Payment failed',
        'Cancel payment',
        'Refund payment',
        'Mark cancelled',
        'Cancelled',
        'Refunded',
        'Record failure',
        'Needs attention',
        ...FAULT_CAUGHT.map((name) => `${name} failed`),
      ].sort(),
    );
  });

  it('walks the happy path PENDING → PAID → FULFILLED → COMPLETED in at most 4 transitions', () => {
    expect(pathFrom('Pay')).toEqual(['Pay', 'Await fulfillment', 'Await delivery']);
    expect(states['Await delivery']!.End).toBe(true);
    expect(states['Await delivery']!.Catch![0]).toEqual({ ErrorEquals: ['States.Timeout'], ResultPath: '$.delivery', Next: 'Auto-complete' });
    expect(states['Auto-complete']!.End).toBe(true);
    expect(pathFrom('Mark paid')).toEqual(['Mark paid', 'Await fulfillment', 'Await delivery']);
  });

  it('lets Pay report through its own task token, routing its outcomes without a Choice', () => {
    const pay = states.Pay!;
    expect(pay.Resource).toBe('arn:<AWS::Partition>:states:::lambda:invoke.waitForTaskToken');
    expect(pay.Parameters!.Payload).toEqual({ 'orderId.$': '$.orderId', 'taskToken.$': '$$.Task.Token' });
    expect(pay.ResultPath).toBe('$.order');
    expect(pay.TimeoutSeconds).toBe(120);
    expect(pay.Catch).toEqual([
      { ErrorEquals: ['PaymentRequiresAction'], ResultPath: '$.payment', Next: 'Await authentication' },
      { ErrorEquals: ['PaymentFailed'], ResultPath: '$.payment', Next: 'Payment failed' },
      { ErrorEquals: ['OrderCancelled'], ResultPath: '$.cancellation', Next: 'Cancel payment' },
      { ErrorEquals: ['PaymentNotReported'], ResultPath: '$.fault', Next: 'Pay failed' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Void payment' },
    ]);
    expect(pay.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: ['PaymentNotReported'], BackoffRate: 2 }));
    expect(pathFrom('Pay failed')).toEqual(['Pay failed', 'Record failure', 'Needs attention']);
  });

  it('completes by itself with one conditional UpdateItem of the order, as transitionOrder writes it', () => {
    const complete = states['Auto-complete']!;
    expect(complete.Resource).toBe('arn:<AWS::Partition>:states:::dynamodb:updateItem');
    expect(complete.Parameters).toMatchObject({
      Key: { pk: { 'S.$': '$.orderKey.pk' }, sk: { 'S.$': '$.orderKey.sk' } },
      ConditionExpression: '#status = :fulfilled',
      ExpressionAttributeValues: expect.objectContaining({
        ':completed': { S: 'COMPLETED' },
        ':fulfilled': { S: 'FULFILLED' },
        ':statusPartition': { 'S.$': '$.completedStatusPartition' },
        ':now': { 'S.$': '$$.State.EnteredTime' },
      }),
    });
    expect(complete.Retry![0]!.ErrorEquals).toContain('DynamoDB.ThrottlingException');
    expect(complete.Catch![0]).toEqual({
      ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'],
      ResultPath: '$.autoComplete',
      Next: 'Completed or returned meanwhile',
    });
    expect(states['Completed or returned meanwhile']!.Type).toBe('Succeed');
  });

  it('waits for the merchant through the Fulfillment queue with a task token', () => {
    const wait = states['Await fulfillment']!;
    expect(wait.Resource).toBe('arn:<AWS::Partition>:states:::sqs:sendMessage.waitForTaskToken');
    expect(wait.Parameters).toEqual({
      QueueUrl: `<${fulfillmentQueueId}>`,
      MessageBody: {
        'orderId.$': '$.orderId',
        'taskToken.$': '$$.Task.Token',
        'items.$': '$.order.items',
        'shippingAddress.$': '$.order.shippingAddress',
      },
    });
    expect(wait.ResultPath).toBe('$.fulfillment');
    // The fulfillment SLA: past it, States.Timeout takes the fault path (attention, a FAILED execution).
    expect(wait.TimeoutSecondsPath).toBe('$.fulfillmentSlaSeconds');
    expect(wait.Catch!.find((c) => c.ErrorEquals.includes('States.Timeout'))).toBeUndefined();
    expect(wait.Catch!.at(-1)).toEqual(faultCatch('Await fulfillment'));
    expect(wait.Next).toBe('Await delivery');
  });

  it('waits for 3-D Secure with a timeout, voiding the payment when it passes', () => {
    const wait = states['Await authentication']!;
    expect(wait.Resource).toBe('arn:<AWS::Partition>:states:::lambda:invoke.waitForTaskToken');
    expect(wait.Parameters!.Payload).toEqual({ 'orderId.$': '$.orderId', 'taskToken.$': '$$.Task.Token' });
    expect(wait.TimeoutSecondsPath).toBe('$.authenticationTimeoutSeconds');
    expect(wait.Catch).toEqual([
      { ErrorEquals: ['OrderCancelled', 'OrderRefunded'], ResultPath: '$.cancellation', Next: 'Cancel payment' },
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'Void payment' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Void payment' },
    ]);
    expect(states['Authentication outcome']!.Choices).toEqual([{ Variable: '$.authentication.outcome', StringEquals: 'succeeded', Next: 'Mark paid' }]);
    expect(states['Authentication outcome']!.Default).toBe('Void payment');
    expect(pathFrom('Void payment')).toEqual(['Void payment', 'Mark payment failed', 'Payment failed']);
  });

  it('completes a shipped order by itself after completeAfterSeconds', () => {
    const wait = states['Await delivery']!;
    expect(wait.TimeoutSecondsPath).toBe('$.completeAfterSeconds');
    expect(wait.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.delivery', Next: 'Auto-complete' },
      { ErrorEquals: ['OrderRefunded'], ResultPath: '$.cancellation', Next: 'Refunded' },
      faultCatch('Await delivery'),
    ]);
  });

  it('ends the workflow when a shipped order is refunded (a return), as a business outcome', () => {
    expect(states.Refunded!.Type).toBe('Succeed');
  });

  it('sends every step that fails past its retries to the fault path, which records it and fails the execution', () => {
    for (const name of FAULT_CAUGHT) {
      expect(states[name]!.Catch!.at(-1)).toEqual(faultCatch(name));
      expect(states[`${name} failed`]).toMatchObject({ Type: 'Pass', Result: name, ResultPath: '$.failedStep', Next: 'Record failure' });
    }
    expect(states['Record failure']!.Parameters).toBeUndefined(); // the whole state: $.fault and $.failedStep
    expect(states['Record failure']!.Retry!.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'] });
    expect(states['Record failure']!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordFailure', Next: 'Needs attention' }]);
    expect(states['Record failure']!.Next).toBe('Needs attention');
    expect(states['Needs attention']).toMatchObject({ Type: 'Fail', Error: 'OrderNeedsAttention' });
    // Every other Task either is a payment step (whose failures void the payment) or is the fault path itself.
    const tasks = Object.entries(states).filter(([, st]) => st.Type === 'Task').map(([name]) => name);
    expect(tasks.filter((name) => !FAULT_CAUGHT.includes(name)).sort()).toEqual(['Await authentication', 'Pay', 'Record failure']);
    expect(states['Pay failed']).toMatchObject({ Type: 'Pass', Result: 'Pay', ResultPath: '$.failedStep', Next: 'Record failure' });
  });

  it('routes cancellations to compensations: cancel before payment, refund after', () => {
    expect(states['Await fulfillment']!.Catch).toEqual([
      { ErrorEquals: ['OrderCancelled', 'OrderRefunded'], ResultPath: '$.cancellation', Next: 'Refund payment' },
      faultCatch('Await fulfillment'),
    ]);
    expect(states['Mark paid']!.Catch).toEqual([
      { ErrorEquals: ['OrderCancelled'], ResultPath: '$.cancellation', Next: 'Refund payment' },
      faultCatch('Mark paid'),
    ]);
    expect(states.Pay!.Catch).toContainEqual({ ErrorEquals: ['OrderCancelled'], ResultPath: '$.cancellation', Next: 'Cancel payment' });
    expect(states.Pay!.Catch!.at(-1)).toEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Void payment' });
    expect(pathFrom('Refund payment')).toEqual(['Refund payment', 'Mark cancelled', 'Cancelled']);
    expect(pathFrom('Await fulfillment failed')).toEqual(['Await fulfillment failed', 'Record failure', 'Needs attention']);
    expect(pathFrom('Cancel payment')).toEqual(['Cancel payment', 'Mark cancelled', 'Cancelled']);
  });

  it('hands the steps reached from several paths the whole state, the others just the order id', () => {
    for (const name of ['Mark payment failed', 'Mark cancelled', 'Record failure']) expect(states[name]!.Parameters).toBeUndefined();
    for (const name of ['Mark paid', 'Refund payment', 'Cancel payment', 'Void payment']) {
      expect(states[name]!.Parameters).toEqual({ 'orderId.$': '$.orderId' });
    }
  });

  it('retries the charge on Stripe outages and the compensations on any error, with backoff', () => {
    expect(states.Pay!.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: ['PaymentProviderUnavailable'], BackoffRate: 2 }));
    for (const name of ['Refund payment', 'Cancel payment', 'Void payment']) {
      const last = states[name]!.Retry!.at(-1)!;
      expect(last).toMatchObject({ ErrorEquals: ['States.ALL'], BackoffRate: 2 });
      expect(last.MaxAttempts).toBeGreaterThanOrEqual(5);
    }
    for (const name of ['Mark paid', 'Mark cancelled', 'Mark payment failed']) {
      expect(states[name]!.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: expect.arrayContaining(['TooManyRequests']) }));
    }
  });

  it('has no dangling or unreachable state, and every Lambda task retries Lambda service errors', () => {
    const reachable = new Set<string>();
    const visit = (name: string) => {
      if (reachable.has(name)) return;
      const state = states[name];
      expect(state).toBeDefined();
      reachable.add(name);
      for (const next of [state!.Next, state!.Default, ...(state!.Choices ?? []).map((c) => c.Next), ...(state!.Catch ?? []).map((c) => c.Next)]) {
        if (next) visit(next);
      }
    };
    visit(definition.StartAt);
    expect([...reachable].sort()).toEqual(Object.keys(states).sort());
    for (const [name, state] of Object.entries(states)) {
      if (state.Type !== 'Task' || name === 'Await fulfillment' || name === 'Auto-complete') continue;
      expect(state.Retry![0]!.ErrorEquals).toContain('Lambda.ServiceException');
    }
  });
});

describe('order workflow retries', () => {
  it('retries a throttled Lambda task (reserved concurrency) before any catch can take it for a failure', () => {
    // Prepare
    const lambdaTasks = Object.entries(states).filter(([, state]) => state.Type === 'Task' && state.Resource!.includes('lambda'));
    const retries = (state: State, error: string) => (state.Retry ?? []).some((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));

    // Assess
    expect(lambdaTasks.map(([name]) => name)).toContain('Pay');
    for (const [name, state] of lambdaTasks) {
      for (const error of ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException']) {
        expect({ name, error, retried: retries(state, error) }).toEqual({ name, error, retried: true });
      }
    }
  });
});

describe('order workflow functions and permissions', () => {
  it('runs each task in its own Node.js 24 arm64 function built from its module', () => {
    for (const task of WORKFLOW_TASKS) {
      const id = logicalIdOf('AWS::Lambda::Function', (p) => typeof p.Description === 'string' && p.Description.includes(`(${task.module})`));
      expect(id).toBeDefined();
      expect(all[id!]!.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    }
    const stateFunctions = ['Pay', 'Mark paid', 'Mark cancelled', 'Refund payment', 'Await delivery'].map(functionOf);
    expect(new Set(stateFunctions).size).toBe(stateFunctions.length);
    expect(functionOf('Cancel payment')).toBe(functionOf('Void payment'));
  });

  it('gives the Stripe tasks the Stripe secret and every task the table', () => {
    const env = (state: string) => all[functionOf(state)]!.Properties!.Environment as { Variables: Record<string, unknown> };
    for (const state of ['Pay', 'Refund payment', 'Cancel payment']) expect(env(state).Variables).toHaveProperty('STRIPE_SECRET_NAME');
    for (const state of ['Mark paid', 'Await delivery']) expect(env(state).Variables).not.toHaveProperty('STRIPE_SECRET_NAME');
    for (const state of ['Pay', 'Mark paid', 'Await delivery']) expect(env(state).Variables).toHaveProperty('TABLE_NAME');
  });

  it('lets the state machine invoke its tasks, send to the Fulfillment queue and update items, nothing more', () => {
    const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const actions = actionsOfRole(template, roleId);
    expect(actions).toContain('lambda:InvokeFunction');
    expect(actions).toContain('sqs:SendMessage');
    expect([...actions].filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:UpdateItem']); // Auto-complete
  });

  it('lets Pay answer the tasks of this state machine only, without a grant cycle', () => {
    const payRole = (all[functionOf('Pay')]!.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.values(all).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties!.Roles).includes(payRole) && JSON.stringify(r.Properties).includes('states:SendTask'),
    );
    expect(policies).toHaveLength(1);
    expect((policies[0]!.Properties!.PolicyDocument as any).Statement).toEqual([
      expect.objectContaining({ Action: expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure']), Effect: 'Allow', Resource: { Ref: machineId } }),
    ]);
    expect((all[functionOf('Pay')]!.Properties!.Environment as any).Variables.STATE_MACHINE_ARN).toBeUndefined();
  });

  it('hands STATE_MACHINE_ARN to the functions that start or resume executions', () => {
    const users = allResources(dev).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && (r.Properties?.Environment as any)?.Variables?.STATE_MACHINE_ARN,
    );
    expect(users.length).toBeGreaterThan(0);
    for (const [, fn, own] of users) {
      expect(throughParameters(dev, own, (fn.Properties!.Environment as any).Variables.STATE_MACHINE_ARN)).toEqual({ Ref: machineId });
    }
  });

  it('outputs the state machine ARN and its console link, and alarms on failed executions', () => {
    template.hasOutput('StateMachineArn', { Value: { Ref: machineId } });
    template.hasOutput('StateMachineConsoleUrl', Match.anyValue());
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
    });
    expect(stack.orderStateMachine).toBeDefined();
  });
});

describe('the local stack runs the same workflow', () => {
  it('renders the same states and transitions from the construct, with local ARNs', () => {
    const local = renderOrderWorkflowDefinition() as unknown as Definition;
    const shape = (d: Definition) =>
      Object.fromEntries(
        Object.entries(d.States).map(([name, s]) => [
          name,
          { Type: s.Type, Next: s.Next, Default: s.Default, Choices: s.Choices, Catch: s.Catch, Retry: s.Retry, TimeoutSeconds: s.TimeoutSeconds, TimeoutSecondsPath: s.TimeoutSecondsPath },
        ]),
      );
    expect(shape(local)).toEqual(shape(definition));
    expect(local.States.Pay!.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(local.States.Pay!.Parameters!.FunctionName).toBe('arn:aws:lambda:us-east-1:000000000000:function:crowdstart-local-workflow-pay');
    expect(local.States['Auto-complete']!.Parameters!.TableName).toBe('crowdstart-local-Data');
    expect(local.States['Await fulfillment']!.Resource).toBe('arn:aws:states:::sqs:sendMessage.waitForTaskToken');
    expect(JSON.stringify(local)).not.toMatch(/Fn::|"Ref"|<AWS::/);
  });
});
