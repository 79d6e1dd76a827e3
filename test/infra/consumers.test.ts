import { Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { QUEUE_CONSUMERS, QUEUES, SCHEDULED_JOBS, STREAM_CONSUMERS } from '../../lib/consumers';
import { ROUTES, routeId, type RouteResource } from '../../lib/routes';
import { actionsOfRole, allResources, resources, synthTenant, throughParameters } from './support';

describe('queues', () => {
  const dev = synthTenant('dev');
  const { stack, template } = dev;

  it('exist for every definition, each with a DLQ after maxReceiveCount failures and an alarm on it', () => {
    // Assess
    for (const definition of QUEUES) {
      const { queue, deadLetterQueue } = stack.queues.get(definition.id);
      expect(resources(template)[stack.getLogicalId(queue.node.defaultChild as CfnElement)]!.Properties).toMatchObject({
        VisibilityTimeout: definition.visibilityTimeoutSeconds,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [stack.getLogicalId(deadLetterQueue.node.defaultChild as CfnElement), 'Arn'] },
          maxReceiveCount: definition.maxReceiveCount,
        },
      });
    }
    // One on each DLQ, and one on the stream consumers' failures queue (in their own stack).
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible' }, QUEUES.length);
    const depthAlarms = allResources(dev).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties!.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(depthAlarms).toHaveLength(QUEUES.length + (STREAM_CONSUMERS.length ? 1 : 0));
  });
});

describe('event consumers', () => {
  const dev = synthTenant('dev');
  /** The consumers' own nested stack, with the references the parent passes it resolved. */
  const template = Template.fromJSON(throughParameters(dev, dev.templateOf(dev.stack.consumers), dev.templateOf(dev.stack.consumers).toJSON()) as object);

  it('live in a nested stack of their own', () => {
    // Assess
    expect(dev.stack.consumers.nested).toBe(true);
    for (const fn of dev.stack.consumers.functions.values()) expect(Stack.of(fn)).toBe(dev.stack.consumers);
    dev.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    dev.template.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  it('read the table stream with retries, bisection and an SQS on-failure destination', () => {
    // Assess
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataTable'), 'StreamArn'] } },
    });
    expect(Object.keys(mappings)).toHaveLength(STREAM_CONSUMERS.length);
    for (const mapping of Object.values(mappings)) {
      expect(mapping.Properties).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: expect.any(Number),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^StreamFailuresQueue/), 'Arn'] } } },
      });
    }
  });

  it('gather stream records for each consumer\'s batching window before invoking it', () => {
    // Assess
    for (const consumer of STREAM_CONSUMERS.filter((c) => c.batchingWindowSeconds)) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataTable'), 'StreamArn'] },
        BatchSize: consumer.batchSize ?? 100,
        MaximumBatchingWindowInSeconds: consumer.batchingWindowSeconds,
      });
    }
  });

  it('consume their SQS queue reporting per-message failures', () => {
    // Assess
    for (const consumer of QUEUE_CONSUMERS) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^Queues${consumer.queue}Queue`), 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('run scheduled jobs at their default interval, in whole minutes', () => {
    // Assess
    for (const job of SCHEDULED_JOBS) {
      const minutes = Math.max(1, Math.ceil(job.defaultIntervalSeconds / 60));
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: ScheduleExpression.rate(Duration.minutes(minutes)).expressionString, // e.g. rate(1 hour) for 60
        State: 'ENABLED',
      });
    }
    template.resourceCountIs('AWS::Scheduler::Schedule', SCHEDULED_JOBS.length);
  });
});

describe('the order workflow', () => {
  it('is attached, and only the functions that use it get STATE_MACHINE_ARN and execution grants', () => {
    // Prepare
    const dev = synthTenant('dev');
    const { stack, template, templateOf } = dev;
    const stateMachine = stack.orderStateMachine!;

    // Assess
    expect(stateMachine).toBeDefined();
    const users: (readonly [string, readonly string[], NodejsFunction])[] = [
      ...ROUTES.map((r) => [routeId(r), r.uses, stack.api.routeFunctions.get(routeId(r))!] as const),
      ...[...STREAM_CONSUMERS, ...QUEUE_CONSUMERS, ...SCHEDULED_JOBS].map(
        (c) => [c.id, c.uses, stack.consumers.functions.get(c.id)!] as const,
      ),
    ];
    const stateMachineRef = { Ref: stack.getLogicalId(stateMachine.node.defaultChild as CfnElement) };
    const grantedBy: Record<string, string> = {
      'states:StartExecution': 'workflow:start',
      'states:SendTaskSuccess': 'workflow:callback',
      'states:SendTaskFailure': 'workflow:callback',
      'states:DescribeExecution': 'workflow:read',
    };
    for (const [id, uses, fn] of users) {
      const workflow = uses.some((use) => use.startsWith('workflow:'));
      const own = templateOf(fn);
      const actions = actionsOfRole(own, Stack.of(fn).getLogicalId(fn.role!.node.defaultChild as CfnElement));
      const env = (resources(own)[Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement)]!.Properties!.Environment as {
        Variables: Record<string, unknown>;
      }).Variables;
      expect({ id, arn: throughParameters(dev, own, env.STATE_MACHINE_ARN) }).toEqual({ id, arn: workflow ? stateMachineRef : undefined });
      for (const [action, use] of Object.entries(grantedBy)) {
        expect({ id, action, granted: actions.has(action) }).toEqual({ id, action, granted: uses.includes(use as RouteResource) });
      }
      // Nothing no handler calls: the old grant also gave these to every workflow user.
      for (const action of ['states:ListExecutions', 'states:GetExecutionHistory', 'states:StopExecution', 'states:SendTaskHeartbeat']) {
        expect({ id, action, granted: actions.has(action) }).toEqual({ id, action, granted: false });
      }
    }
    template.hasOutput('StateMachineArn', {});
    template.hasOutput('StateMachineConsoleUrl', {});
  });
});
