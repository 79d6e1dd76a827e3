import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Match } from 'aws-cdk-lib/assertions';
import { ROUTES, routeId, type RouteDefinition } from '../../lib/routes';
import { actionsOfRole, allResources, resources, synthTenant, throughParameters } from './support';

const TABLE_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

describe('the HTTP API', () => {
  const acme = synthTenant('acme');
  const { stack, template, templateOf } = acme;
  const functionOf = (route: RouteDefinition): NodejsFunction => stack.api.routeFunctions.get(routeId(route))!;
  const logicalId = (fn: NodejsFunction) => Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnFunction);
  const roleId = (fn: NodejsFunction) => Stack.of(fn).getLogicalId(fn.role!.node.defaultChild as CfnElement);

  it('has one route per entry of the route table', () => {
    // Assess
    const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    expect(keys.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('puts the JWT authorizer on every non-public route and none on public ones', () => {
    // Prepare
    const authorizers = template.findResources('AWS::ApiGatewayV2::Authorizer', {
      Properties: { AuthorizerType: 'JWT' },
    });
    expect(Object.keys(authorizers)).toHaveLength(1);
    const authorizerId = Object.keys(authorizers)[0];

    // Assess
    for (const route of ROUTES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        ...(route.auth === 'public'
          ? { AuthorizationType: 'NONE', AuthorizerId: Match.absent() }
          : { AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } }),
      });
    }
  });

  it("lets API Gateway invoke each route's alias, from that route only", () => {
    // Assess
    const apiRef = { Ref: stack.getLogicalId(stack.api.httpApi.node.defaultChild as CfnElement) };
    for (const route of ROUTES) {
      const fn = functionOf(route);
      const own = templateOf(fn);
      const aliasRef = { Ref: Stack.of(fn).getLogicalId(stack.functions.aliasOf(fn).node.defaultChild as CfnElement) };
      const permissions = Object.values(own.findResources('AWS::Lambda::Permission', { Properties: { FunctionName: aliasRef } }));
      expect(permissions).toHaveLength(1);
      const { Principal, SourceArn } = throughParameters(acme, own, permissions[0]!.Properties) as { Principal: string; SourceArn: unknown };
      expect(Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(SourceArn)).toContain(JSON.stringify(apiRef));
      expect(JSON.stringify(SourceArn)).toMatch(new RegExp(`"/\\*/\\*${route.path.replace(/[{}]/g, '\\$&')}"\\]`));
    }
  });

  it('throttles the stage with the tenant settings and writes access logs', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: stack.settings.throttle.rateLimit,
        ThrottlingBurstLimit: stack.settings.throttle.burstLimit,
      },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('runs every function on Node.js 24, arm64, without the init cost of --enable-source-maps', () => {
    // Assess
    const functions = allResources(acme).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([, r]) => r);
    expect(functions.length).toBeGreaterThanOrEqual(ROUTES.length);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).not.toHaveProperty('NODE_OPTIONS');
    }
  });

  it('has every function log JSON at INFO, with Lambda\'s own START/END/REPORT lines filtered out (system level WARN)', () => {
    // Assess
    const functions = allResources(acme).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([, r]) => r);
    for (const fn of functions) expect(fn.Properties!.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' });
  });

  it('gives each route function its own log group with the tenant retention', () => {
    // Assess
    for (const route of ROUTES) {
      const own = resources(templateOf(functionOf(route)));
      const fn = own[logicalId(functionOf(route))]!;
      const logGroupId = (fn.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(own[logGroupId]!.Properties).toMatchObject({
        RetentionInDays: stack.settings.logRetentionDays,
      });
    }
  });

  describe('least privilege', () => {
    it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s gets exactly what its uses name', (_, route) => {
      // Prepare
      const fn = functionOf(route);
      const actions = actionsOfRole(templateOf(fn), roleId(fn));
      const env = (resources(templateOf(fn))[logicalId(fn)]!.Properties!.Environment as { Variables: Record<string, unknown> })
        .Variables;

      // Assess
      const writes = route.uses.includes('table:write');
      const touchesTable = writes || route.uses.includes('table:read') || route.uses.includes('table:describe');
      expect(TABLE_WRITES.every((a) => actions.has(a))).toBe(writes);
      expect(TABLE_WRITES.some((a) => actions.has(a))).toBe(writes);
      expect(actions.has('dynamodb:Query')).toBe(route.uses.includes('table:read'));
      expect(actions.has('dynamodb:Scan')).toBe(false);
      expect('TABLE_NAME' in env).toBe(touchesTable);
      expect(actions.has('secretsmanager:GetSecretValue')).toBe(route.uses.includes('stripe') || route.uses.includes('stripe-webhook-secret'));
      expect('STRIPE_SECRET_NAME' in env).toBe(route.uses.includes('stripe'));
      expect('STRIPE_WEBHOOK_SECRET_NAME' in env).toBe(route.uses.includes('stripe-webhook-secret'));
      expect(actions.has('sqs:SendMessage')).toBe(route.uses.some((use) => use.endsWith('-queue')));
      expect('WEBHOOK_QUEUE_URL' in env).toBe(route.uses.includes('webhook-queue'));
      const workflow = route.uses.some((use) => use.startsWith('workflow:')) && stack.orderStateMachine !== undefined;
      expect(actions.has('states:StartExecution')).toBe(route.uses.includes('workflow:start'));
      expect(actions.has('states:SendTaskSuccess')).toBe(route.uses.includes('workflow:callback'));
      expect('STATE_MACHINE_ARN' in env).toBe(workflow);
      if (!route.uses.some((use) => use.startsWith('workflow:'))) expect([...actions].some((a) => a.startsWith('states:'))).toBe(false);
    });

    it('lets the Stripe webhook read its signing secret and not the secret key', () => {
      // Prepare
      const webhook = ROUTES.find((r) => r.path === '/webhooks/stripe')!;
      const roleLogicalId = roleId(functionOf(webhook));

      // Act
      const secretResources = Object.values(templateOf(functionOf(webhook)).findResources('AWS::IAM::Policy'))
        .filter((policy) => ((policy.Properties.Roles ?? []) as { Ref?: string }[]).some((role) => role.Ref === roleLogicalId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((statement) => JSON.stringify(statement.Resource));

      // Assess
      expect(secretResources).toHaveLength(1);
      expect(secretResources[0]).toContain('crowdstart/acme/stripe-webhook');
    });

    it('keeps a public read route from writing the table', () => {
      // Prepare
      const route = ROUTES.find((r) => r.auth === 'public' && r.uses.includes('table:read'))!;

      // Act
      const actions = actionsOfRole(templateOf(functionOf(route)), roleId(functionOf(route)));

      // Assess
      expect(actions.has('dynamodb:GetItem')).toBe(true);
      for (const write of TABLE_WRITES) expect(actions.has(write)).toBe(false);
    });

    it('gives GET /health DescribeTable and nothing else beyond its logs and traces', () => {
      // Prepare
      const health = ROUTES.find((r) => r.path === '/health')!;

      // Assess
      expect([...actionsOfRole(templateOf(functionOf(health)), roleId(functionOf(health)))].sort()).toEqual([
        'dynamodb:DescribeTable',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    });
  });
});
