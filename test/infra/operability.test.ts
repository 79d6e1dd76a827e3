import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnUserPool } from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { BUSINESS_METRICS, METRICS_NAMESPACE } from '../../lib/business-metrics';
import { QUEUE_CONSUMERS, QUEUES, STREAM_CONSUMERS } from '../../lib/consumers';
import { QUEUE_CONSUMER_TIMEOUT } from '../../lib/constructs/event-consumers';
import { WORKFLOW_TASKS } from '../../lib/constructs/order-workflow';
import { resolveSettings, TENANTS } from '../../lib/settings';
import { allResources, resources, synthTenant, throughOutputs, throughParameters } from './support';

const acme = synthTenant('acme');
const dev = synthTenant('dev');
/** A construct's logical id in its own stack's template. */
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const ofType = (template: typeof acme.template, type: string) => Object.entries(resources(template)).filter(([, r]) => r.Type === type);
/** Resources of a type in every stack of a synthesis, parent and nested. */
const inEveryStack = (synthesized: typeof acme, type: string) => allResources(synthesized).filter(([, r]) => r.Type === type);

describe('alarms that reach someone', () => {
  const topicId = logicalId(acme.stack.monitoring.topic);

  it("have one SNS topic per stage, e-mailing the tenant's alarm address", () => {
    // Assess
    acme.template.resourceCountIs('AWS::SNS::Topic', 1);
    acme.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: TENANTS.acme!.alarmEmail,
      TopicArn: { Ref: topicId },
    });
    dev.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('all notify the topic when they fire and when they clear', () => {
    // Act
    const alarms = inEveryStack(acme, 'AWS::CloudWatch::Alarm');

    // Assess
    expect(alarms.length).toBeGreaterThan(20);
    for (const [id, alarm, template] of alarms) {
      const { AlarmActions: actions, OKActions: ok } = throughParameters(acme, template, alarm.Properties) as Record<string, unknown>;
      expect({ id, actions, ok }).toEqual({
        id,
        actions: [{ Ref: topicId }],
        ok: [{ Ref: topicId }],
      });
    }
  });

  it('watch the API 5xx rate and p99 latency', () => {
    // Assess
    acme.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('errors / requests') }),
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5xx' }) }) }),
      ]),
    });
    acme.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', ExtendedStatistic: 'p99' });
  });

  it("watch every function's errors (routes through the API's 5xx), throttles where reserved and the account's", () => {
    // Prepare
    // Each in its function's own stack, where the function's deployment group reads it.
    const errorDimensions = inEveryStack(acme, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => a.Properties!.MetricName === 'Errors')
      .map(([, a]) => a.Properties!.Dimensions);
    const nonRoute = acme.stack.functions.all().filter((fn) => ![...acme.stack.api.routeFunctions.values()].includes(fn.function));

    // Assess
    expect(errorDimensions).toHaveLength(nonRoute.length);
    for (const { function: fn } of nonRoute) {
      expect(errorDimensions).toContainEqual(expect.arrayContaining([{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }]));
    }
    const reserved = acme.stack.functions.all().filter((fn) => fn.reservedConcurrency !== undefined);
    expect(reserved.length).toBe(WORKFLOW_TASKS.filter((t) => t.uses.includes('stripe')).length + acme.stack.consumers.functions.size);
    const throttles = inEveryStack(acme, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties!.MetricName === 'Throttles' && a.Properties!.Dimensions);
    expect(throttles).toHaveLength(reserved.length);
    acme.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttles', Dimensions: Match.absent() });
  });

  it('watch queue depth and age, the stream iterator age and executions failed, timed out or aborted', () => {
    // Assess
    acme.template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage' }, QUEUES.length);
    const alarmsOn = (metricName: string) => inEveryStack(acme, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties!.MetricName === metricName);
    expect(alarmsOn('ApproximateNumberOfMessagesVisible')).toHaveLength(QUEUES.length + 1); // the DLQs and the stream failures queue
    expect(alarmsOn('IteratorAge')).toHaveLength(STREAM_CONSUMERS.length);
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      acme.template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/States', MetricName: metric });
    }
  });

  it('sit on a dashboard with the golden signals and every business metric', () => {
    // Act
    const dashboards = ofType(acme.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboards[0]![1].Properties!.DashboardBody);

    // Assess
    for (const name of ['5xx', 'Latency', 'Errors', 'Throttles', 'ApproximateAgeOfOldestMessage', 'IteratorAge', 'ExecutionsFailed']) {
      expect(body).toContain(`\\"${name}\\"`);
    }
    for (const metric of Object.values(BUSINESS_METRICS)) expect(body).toContain(`[\\"${METRICS_NAMESPACE}\\",\\"${metric.name}\\"`);
    expect(body).toContain('\\"tenant\\",\\"acme\\"');
  });
});

describe('progressive delivery', () => {
  const aliases = inEveryStack(acme, 'AWS::Lambda::Alias');
  const aliasIds = new Set(aliases.map(([id]) => id));
  const refersToAlias = (value: unknown) =>
    JSON.stringify(throughOutputs(acme, value)).match(/"Ref":"(\w+)"/g)?.some((ref) => aliasIds.has(ref.slice(7, -1))) ?? false;

  it('publishes every function behind one live alias', () => {
    // Assess
    const functions = inEveryStack(acme, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(acme.stack.functions.all().length);
    expect(aliases).toHaveLength(functions.length);
    expect(new Set(aliases.map(([, a]) => (a.Properties!.FunctionName as { Ref: string }).Ref))).toEqual(new Set(functions.map(([id]) => id)));
    for (const [, alias] of aliases) expect(alias.Properties!.Name).toBe('live');
  });

  it('invokes the aliases from the API, the event sources, the schedule and the state machine, never $LATEST', () => {
    // Assess
    const integrations = ofType(acme.template, 'AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(acme.stack.api.routeFunctions.size);
    for (const [id, integration] of integrations) {
      expect({ id, alias: refersToAlias(integration.Properties!.IntegrationUri) }).toEqual({ id, alias: true });
    }
    for (const [id, mapping] of ofType(acme.template, 'AWS::Lambda::EventSourceMapping')) {
      expect({ id, alias: refersToAlias(mapping.Properties!.FunctionName) }).toEqual({ id, alias: true });
    }
    for (const [id, schedule] of ofType(acme.template, 'AWS::Scheduler::Schedule')) {
      expect({ id, alias: refersToAlias((schedule.Properties!.Target as { Arn: unknown }).Arn) }).toEqual({ id, alias: true });
    }
    const machine = ofType(acme.template, 'AWS::StepFunctions::StateMachine')[0]![1];
    const lambdaRefs = JSON.stringify(machine.Properties!.DefinitionString).match(/"Fn::GetAtt":\["\w+","Arn"\]/g) ?? [];
    expect(lambdaRefs.filter((ref) => ref.includes('Functions'))).toEqual([]);
    expect(refersToAlias(machine.Properties!.DefinitionString)).toBe(true);
  });

  it('shifts production traffic by a CodeDeploy canary that rolls back by itself on the alarms', () => {
    // Assess
    const groups = inEveryStack(acme, 'AWS::CodeDeploy::DeploymentGroup');
    expect(groups).toHaveLength(aliases.length);
    for (const [id, group, template] of groups) {
      expect({ id, ...(throughParameters(acme, template, group.Properties) as object) }).toMatchObject({
        id,
        DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        AlarmConfiguration: { Enabled: true, Alarms: expect.arrayContaining([{ Name: { Ref: logicalId(acme.stack.monitoring.apiServerErrorsAlarm) } }]) },
        AutoRollbackConfiguration: { Enabled: true, Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) },
      });
    }
    for (const [id, alias] of aliases) {
      expect({ id, policy: alias.UpdatePolicy }).toMatchObject({ id, policy: { CodeDeployLambdaAliasUpdate: expect.any(Object) } });
    }
    acme.template.resourcePropertiesCountIs('AWS::IAM::Role', { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'codedeploy.amazonaws.com' } })] }) }, 1);
  });

  it('moves a dev stage all at once, without CodeDeploy', () => {
    // Assess
    expect(dev.stack.settings.deployment).toBe('all-at-once');
    expect(inEveryStack(dev, 'AWS::CodeDeploy::DeploymentGroup')).toEqual([]);
    expect(inEveryStack(dev, 'AWS::Lambda::Alias')).toHaveLength(inEveryStack(dev, 'AWS::Lambda::Function').length);
  });
});

describe('the order workflow', () => {
  it('logs every transition with its data and is traced', () => {
    // Assess
    acme.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
    });
  });
});

describe('tracing', () => {
  it('traces every function of every stack actively with X-Ray, each role allowed to send its traces', () => {
    // Prepare
    const functions = inEveryStack(acme, 'AWS::Lambda::Function');
    const sendsTraces = (policy: Record<string, any>) =>
      (policy.PolicyDocument.Statement as { Action: string | string[] }[]).some((s) => [s.Action].flat().includes('xray:PutTraceSegments'));

    // Assess
    expect(functions.length).toBeGreaterThan(40);
    for (const [id, fn, template] of functions) {
      const role = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const tracePolicies = Object.values(resources(template)).filter((r) => r.Type === 'AWS::IAM::Policy' && sendsTraces(r.Properties!));
      const traced = tracePolicies.some((policy) => (policy.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === role));
      expect({ id, tracing: fn.Properties!.TracingConfig, traced }).toEqual({ id, tracing: { Mode: 'Active' }, traced: true });
    }
  });
});

describe('hardening', () => {
  it('gives queues a visibility of at least 6× their consumer’s timeout, and an explicit retention', () => {
    // Assess
    for (const consumer of QUEUE_CONSUMERS) {
      const definition = QUEUES.find((q) => q.id === consumer.queue)!;
      const consumerFunction = acme.stack.consumers.functions.get(consumer.id)!;
      const fn = resources(acme.templateOf(consumerFunction))[logicalId(consumerFunction)]!;
      const timeout = consumer.timeoutSeconds ?? QUEUE_CONSUMER_TIMEOUT.toSeconds();
      expect(fn.Properties!.Timeout).toBe(timeout);
      expect(definition.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * timeout);
    }
    for (const [id, queue] of inEveryStack(acme, 'AWS::SQS::Queue')) {
      expect({ id, retention: queue.Properties!.MessageRetentionPeriod }).toEqual({ id, retention: 14 * 24 * 3600 });
    }
  });

  it('reserves concurrency for the payment tasks and the consumers, and caps the SQS pollers at it', () => {
    // Prepare
    const { payment, consumer } = acme.stack.settings.reservedConcurrency!;
    const pay = acme.stack.functions.all().find((fn) => fn.function.node.id === 'Pay')!;

    // Assess
    expect(resources(acme.template)[logicalId(pay.function)]!.Properties!.ReservedConcurrentExecutions).toBe(payment);
    for (const fn of acme.stack.consumers.functions.values()) {
      expect(resources(acme.templateOf(fn))[logicalId(fn)]!.Properties!.ReservedConcurrentExecutions).toBe(consumer);
    }
    acme.templateOf(acme.stack.consumers).resourcePropertiesCountIs('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: consumer } }, QUEUE_CONSUMERS.length);
  });

  it('pins production stages to their account and region', () => {
    // Assess
    expect({ account: acme.stack.account, region: acme.stack.region }).toEqual({ account: TENANTS.acme!.account, region: TENANTS.acme!.region });
    expect(() => resolveSettings('acme', { acme: { account: undefined } })).toThrow(/pinned to its account and region/);
  });

  it('offers no implicit OAuth flow nor a placeholder callback, and asks for strong passwords', () => {
    // Assess
    acme.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: Match.absent(),
      CallbackURLs: Match.absent(),
      AllowedOAuthFlowsUserPoolClient: false,
    });
    acme.template.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 10, RequireSymbols: true }) },
    });
  });

  it.each([...acme.templates.keys()].map((s) => [s.node.path, acme.templates.get(s)!] as const))(
    'lets each function of %s write its own log group only, with no managed policy',
    (_, template) => {
      // Assess
      const lambdaRoles = ofType(template, 'AWS::IAM::Role').filter(([, role]) =>
        JSON.stringify(role.Properties!.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
      );
      expect(lambdaRoles.length).toBeGreaterThan(0);
      for (const [id, role] of lambdaRoles) expect({ id, managed: role.Properties!.ManagedPolicyArns }).toEqual({ id, managed: undefined });
      const lambdaRoleIds = new Set(lambdaRoles.map(([id]) => id));
      for (const [id, policy] of ofType(template, 'AWS::IAM::Policy')) {
        if (!(policy.Properties!.Roles as { Ref: string }[]).every((role) => lambdaRoleIds.has(role.Ref))) continue;
        const statements = (policy.Properties!.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement;
        for (const statement of statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('logs:Put')))) {
          const targets = [statement.Resource].flat() as { 'Fn::GetAtt'?: [string, string] }[];
          for (const target of targets) expect({ id, target: resources(template)[target['Fn::GetAtt']?.[0] ?? '']?.Type }).toEqual({ id, target: 'AWS::Logs::LogGroup' });
        }
      }
    },
  );
});

describe('cdk-nag', () => {
  it.each([...Object.keys(TENANTS), 'initech'])('finds nothing unacknowledged in the %s stack (AwsSolutions)', (tenant) => {
    // Prepare
    const { stack } = synthTenant(tenant);

    // Act
    const report = new AwsSolutionsChecks(stack).validateScope(stack);

    // Assess
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    expect(findings).toEqual([]);
  });

  it('does report what is not acknowledged', () => {
    // Prepare: a fresh stack whose user pool lost its password policy
    const { stack } = synthTenant('dev', { stackId: 'Crowdstart-nagged' });
    (stack.userDirectory!.userPool.node.defaultChild as CfnUserPool).policies = undefined;

    // Act
    const report = new AwsSolutionsChecks(stack).validateScope(stack);

    // Assess
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-COG1');
  });

  it('checks the nested stacks of the route functions and of the consumers too', () => {
    // Prepare: a fresh stack whose health route and hold sweeper may read any table
    const { stack } = synthTenant('dev', { stackId: 'Crowdstart-nagged-nested' });
    stack.api.routeFunctions.get('GetHealth')!.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['*'] }));
    stack.consumers.functions.get('SweepHolds')!.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['*'] }));

    // Act
    const report = new AwsSolutionsChecks(stack).validateScope(stack);

    // Assess
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    expect(findings).toContainEqual(expect.stringMatching(/^AwsSolutions-IAM5\[Resource::\*\] Crowdstart-nagged-nested\/Api\/PlatformRoutes\//));
    expect(findings).toContainEqual(expect.stringMatching(/^AwsSolutions-IAM5\[Resource::\*\] Crowdstart-nagged-nested\/Consumers\/SweepHolds/));
  });
});
