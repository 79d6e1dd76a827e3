import type { CfnElement } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Match } from 'aws-cdk-lib/assertions';
import { ROUTES, routeId, type RouteDefinition } from '../../lib/routes';
import { actionsOfRole, resources, synthTenant } from './support';

const TABLE_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

describe('the HTTP API', () => {
  const { stack, template } = synthTenant('acme');
  const functionOf = (route: RouteDefinition): NodejsFunction => stack.api.routeFunctions.get(routeId(route))!;
  const logicalId = (fn: NodejsFunction) => stack.getLogicalId(fn.node.defaultChild as CfnFunction);
  const roleId = (fn: NodejsFunction) => stack.getLogicalId(fn.role!.node.defaultChild as CfnElement);

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

  it('runs every function on Node.js 24, arm64, ESM with source maps', () => {
    // Assess
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(ROUTES.length);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      });
    }
  });

  it('gives each route function its own log group with the tenant retention', () => {
    // Assess
    for (const route of ROUTES) {
      const fn = resources(template)[logicalId(functionOf(route))]!;
      const logGroupId = (fn.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources(template)[logGroupId]!.Properties).toMatchObject({
        RetentionInDays: stack.settings.logRetentionDays,
      });
    }
  });

  describe('least privilege', () => {
    it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s gets exactly what its uses name', (_, route) => {
      // Prepare
      const fn = functionOf(route);
      const actions = actionsOfRole(template, roleId(fn));
      const env = (resources(template)[logicalId(fn)]!.Properties!.Environment as { Variables: Record<string, unknown> })
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
      const secretResources = Object.values(template.findResources('AWS::IAM::Policy'))
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
      const actions = actionsOfRole(template, roleId(functionOf(route)));

      // Assess
      expect(actions.has('dynamodb:GetItem')).toBe(true);
      for (const write of TABLE_WRITES) expect(actions.has(write)).toBe(false);
    });

    it('gives GET /health DescribeTable and nothing else', () => {
      // Prepare
      const health = ROUTES.find((r) => r.path === '/health')!;

      // Assess
      expect([...actionsOfRole(template, roleId(functionOf(health)))].sort()).toEqual(['dynamodb:DescribeTable', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    });
  });
});
