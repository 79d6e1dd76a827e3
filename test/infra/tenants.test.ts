import { Match, type Template } from 'aws-cdk-lib/assertions';
import { memoryOf } from '../../lib/function-memory';
import { resolveSettings, TENANTS, type TenantSettings } from '../../lib/settings';
import { allResources, resources, synthTenant, type Synthesized } from './support';

/** Name properties scoped to a parent resource (an API, a pool), so equal values never collide. */
const SCOPED_NAMES = new Set([
  'AWS::ApiGatewayV2::Stage.StageName',
  'AWS::ApiGatewayV2::Authorizer.Name',
  'AWS::Cognito::UserPoolGroup.GroupName',
  'AWS::CloudWatch::Alarm.MetricName',
  'AWS::IAM::Policy.PolicyName', // inline policy, unique per role
  'AWS::Lambda::Alias.Name', // `live`, unique per function
  'AWS::CodeDeploy::DeploymentGroup.DeploymentConfigName', // one of CodeDeploy's predefined configurations
]);

/** Literal physical names (`…Name` properties) of a template's resources, as `Type.Property=value`. */
function physicalNames(template: Template): string[] {
  return Object.values(resources(template)).flatMap(({ Type, Properties = {} }) =>
    Object.entries(Properties)
      .filter(([key, value]) => /Name$/.test(key) && typeof value === 'string' && !SCOPED_NAMES.has(`${Type}.${key}`))
      .map(([key, value]) => `${Type}.${key}=${value as string}`),
  );
}

/**
 * The template as JSON with the stack name blanked, and what is derived from the construct path
 * rather than from settings: skip-bundling asset keys, event-source mapping logical ids (CDK
 * names those after the source's unique id, which includes the stack name, plus its hash) and
 * likewise the parameters and outputs that carry references into and out of nested stacks.
 */
function normalized(template: Template, stackName: string, settings: TenantSettings): unknown {
  let json = JSON.stringify(template.toJSON());
  // Where the stage is pinned: asset buckets and ARNs name its account and region.
  for (const [value, marker] of [[settings.account, '<account>'], [settings.region, '<region>']] as const) {
    if (value) json = json.replaceAll(value, marker);
  }
  json = json
    .replaceAll(stackName, '<stack>')
    // A function version's logical id ends in a hash of the function, whose asset key is derived from the stack name.
    .replace(/(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}/g, '$1<hash>')
    .replace(new RegExp(`${stackName.replace(/[^A-Za-z0-9]/g, '')}(\\w*?)[0-9A-F]{16}"`, 'g'), '<stack>$1"')
    // Nested stacks' parameters and outputs are named after the unique id of what they pass.
    .replace(new RegExp(`${stackName.replace(/[^A-Za-z0-9]/g, '')}(\\w*?)[0-9A-F]{8}`, 'g'), '<stack>$1<hash>');
  // A nested stack's template URL names the hash of its template, which names the stack's assets.
  return JSON.parse(json, (key, value) => (key === 'S3Key' || key === 'TemplateURL' ? '<asset>' : value));
}

/** Every stack of a synthesis, normalized, by its path below the parent ('' for the parent). */
function normalizedStacks({ stack, templates }: Synthesized): Record<string, unknown> {
  return Object.fromEntries(
    [...templates].map(([s, template]) => [s.node.path.slice(stack.node.path.length), normalized(template, stack.stackName, stack.settings)]),
  );
}

/** The functions of every stack of a synthesis that read or write the table. */
function functionsWithTable(synthesized: Synthesized): { Properties: { Environment: { Variables: Record<string, unknown> } } }[] {
  type LambdaFunction = { Type: string; Properties: { Environment?: { Variables: Record<string, unknown> } } };
  return (allResources(synthesized).map(([, r]) => r) as LambdaFunction[]).filter(
    (r): r is LambdaFunction & { Properties: { Environment: { Variables: Record<string, unknown> } } } =>
      r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables.TABLE_NAME !== undefined,
  );
}

/** Paths where two JSON values differ. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}/${k}`),
    );
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

describe('tenant stacks', () => {
  const acme = synthTenant('acme');
  const globex = synthTenant('globex');

  it('size each function from lib/function-memory.ts unless the tenant sets lambdaMemoryMb for all', () => {
    // Prepare
    const sizes = (synthesized: Synthesized) =>
      allResources(synthesized)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && typeof r.Properties!.Description === 'string' && /^(api|queue|workflow)\//.test(r.Properties!.Description as string))
        .map(([, r]) => [r.Properties!.Description as string, r.Properties!.MemorySize] as const);
    const overridden = synthTenant('acme', { settings: { ...acme.stack.settings, lambdaMemoryMb: 1024 } });

    // Assess
    const own = sizes(acme);
    expect(own).toEqual(expect.arrayContaining([['queue/stock-stream', 256], ['queue/process-stripe-webhooks', 512]]));
    for (const [module, mb] of own) expect(mb).toBe(memoryOf(module));
    expect(new Set(sizes(overridden).map(([, mb]) => mb))).toEqual(new Set([1024]));
  });

  it('share no physical resource names, so they deploy side by side', () => {
    // Act
    const acmeNames = [...acme.templates.values()].flatMap(physicalNames);
    const globexNames = [...globex.templates.values()].flatMap(physicalNames);

    // Assess
    expect(acmeNames).toContain('AWS::ApiGatewayV2::Api.Name=Crowdstart-acme-api');
    expect(acmeNames.filter((name) => globexNames.includes(name))).toEqual([]);
  });

  it('depend on nothing but their settings and stack name', () => {
    // Act
    const twin = synthTenant('globex', { settings: globex.stack.settings, stackId: 'Crowdstart-twin' });

    // Assess
    expect(twin.templates.size).toBeGreaterThan(1);
    expect(normalizedStacks(twin)).toEqual(normalizedStacks(globex));
  });

  it('differ only where acme and globex settings differ', () => {
    // Prepare
    const settingsDriven = [
      /^\/Description$/, // names the tenant
      /^\/Resources\/Users/, // acme brings no issuer, so it gets a Cognito user pool
      /^\/Outputs\/(JwtIssuer|UserPoolId|UserPoolClientId)(\/|$)/,
      /\/Properties\/JwtConfiguration\//,
      /\/Properties\/DefaultRouteSettings\/Throttling(Rate|Burst)Limit$/,
      /\/Properties\/RetentionInDays$/,
      /\/Properties\/CorsConfiguration\/AllowOrigins\/\d+$/,
      /\/Properties\/Environment\/Variables\/(CROWDSTART_TENANT|HOLD_TTL_SECONDS|COMPLETE_AFTER_SECONDS|STRIPE_SECRET_NAME|STRIPE_WEBHOOK_SECRET_NAME|PAYMENT_RETURN_URL|STRIPE_PUBLISHABLE_KEY)$/,
      /\/Properties\/Tags\/(crowdstart:tenant|\d+\/Value)$/,
      /Policy[0-9A-F]{8}\/Properties\/PolicyDocument\/Statement\/\d+\/Resource(\/|$)/, // the Stripe secret's name
      /^\/Resources\/MonitoringAlarmTopic/, // named after the tenant, e-mails its alarm address
      /^\/Resources\/MonitoringDashboard[0-9A-F]{8}\/Properties\/DashboardBody\//, // its title and the business metrics' tenant dimension
      /^\/Resources\/Monitoring\w+DiscrepanciesAlarm[0-9A-F]{8}\/Properties\/Dimensions\/\d+\/Value$/, // the audit metrics' tenant dimension
    ];

    // Act
    const [acmeStacks, globexStacks] = [normalizedStacks(acme), normalizedStacks(globex)];
    const diff = Object.keys({ ...acmeStacks, ...globexStacks }).flatMap((path) => differences(acmeStacks[path], globexStacks[path]));

    // Assess
    expect(diff.filter((path) => !settingsDriven.some((pattern) => pattern.test(path)))).toEqual([]);
    expect(diff).toEqual(expect.arrayContaining([expect.stringMatching(/ThrottlingRateLimit$/)]));
  });

  it('trust the tenant issuer when one is configured, and a stage user pool otherwise', () => {
    // Assess
    globex.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    globex.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: TENANTS.globex!.jwt!.issuer, Audience: TENANTS.globex!.jwt!.audience },
    });
    acme.template.resourceCountIs('AWS::Cognito::UserPool', 1);
    acme.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UsersUserPool'), 'ProviderURL'] } },
    });
  });

  it('keep their data on production stages and drop it elsewhere', () => {
    // Prepare
    const dev = synthTenant('dev');
    const stateful = ['AWS::DynamoDB::Table', 'AWS::Cognito::UserPool', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup'];
    const policies = (template: Template) =>
      Object.values(resources(template))
        .filter((r) => stateful.includes(r.Type))
        .map((r) => `${r.Type} ${r.DeletionPolicy}/${r.UpdateReplacePolicy}`);

    // Assess
    expect(acme.stack.settings.production).toBe(true);
    expect(new Set(policies(acme.template))).toEqual(new Set(stateful.map((t) => `${t} Retain/Retain`)));
    acme.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    expect(acme.stack.terminationProtection).toBe(true);
    expect(dev.stack.settings.production).toBe(false);
    expect(new Set(policies(dev.template))).toEqual(new Set(stateful.map((t) => `${t} Delete/Delete`)));
  });

  it('export the API URL, table name and the Step Functions console of the region', () => {
    // Assess
    for (const output of ['ApiUrl', 'TableName', 'JwtIssuer', 'StepFunctionsConsoleUrl', 'OrderEventsQueueUrl']) {
      acme.template.hasOutput(output, {});
    }
  });
});

describe('tenant settings', () => {
  it('give an unknown tenant a small non-production stage with its own user pool and secret name', () => {
    // Act
    const settings = resolveSettings('initech');

    // Assess
    expect(settings).toMatchObject({ tenant: 'initech', production: false, stripeSecretName: 'crowdstart/initech/stripe' });
    expect(settings.jwt).toBeUndefined();
    synthTenant('initech').template.resourceCountIs('AWS::Cognito::UserPool', 1);
  });

  it('merge context overrides over the code definition', () => {
    // Act
    const settings = resolveSettings('acme', { acme: { throttle: { rateLimit: 500 } }, globex: { production: false } });

    // Assess
    expect(settings.throttle).toEqual({ rateLimit: 500, burstLimit: TENANTS.acme!.throttle!.burstLimit });
    expect(settings.production).toBe(true);
  });

  it('pass the flash-sale hold limits to every function, overridable from the tenants context', () => {
    // Act
    const synthesized = synthTenant('acme', { overrides: { acme: { maxUnitsPerCustomer: 2, holdMaxLifetimeSeconds: 1200 } } });
    const functions = allResources(synthesized).map(([, r]) => r).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Handler);

    // Assess
    expect(resolveSettings('initech')).toMatchObject({ holdMaxLifetimeSeconds: 3600, maxUnitsPerCustomer: 99 });
    expect(functions.length).toBeGreaterThan(10);
    for (const fn of functions) {
      expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        MAX_UNITS_PER_CUSTOMER: '2',
        HOLD_MAX_LIFETIME_SECONDS: '1200',
      });
    }
    expect(() => resolveSettings('acme', { acme: { maxUnitsPerCustomer: 100 } })).toThrow(/maxUnitsPerCustomer/);
    expect(() => resolveSettings('acme', { acme: { holdMaxLifetimeSeconds: 60 } })).toThrow(/holdMaxLifetimeSeconds/);
  });

  it('reject values CloudWatch or CloudFormation would refuse at deploy time', () => {
    // Assess
    expect(() => resolveSettings('acme', { acme: { logRetentionDays: 10 } })).toThrow(/logRetentionDays/);
    expect(() => resolveSettings('acme', { acme: { throttle: { rateLimit: -1 } } })).toThrow(/rateLimit/);
    expect(() => resolveSettings('bad_name')).toThrow(/Tenant name/);
  });

  it('pass the fulfillment SLA to every function, and refuse one that is not a positive whole number of seconds', () => {
    // Prepare
    const synthesized = synthTenant('acme', { overrides: { acme: { fulfillmentSlaSeconds: 2 * 86_400 } }, stackId: 'Crowdstart-sla' });
    const functions = functionsWithTable(synthesized);

    // Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.Properties.Environment.Variables.FULFILLMENT_SLA_SECONDS).toBe('172800');
    expect(() => resolveSettings('acme', { acme: { fulfillmentSlaSeconds: 0 } })).toThrow(/fulfillmentSlaSeconds/);
  });

  it("pass Stripe's publishable key and the 3-D Secure return URL to the functions, and refuse a secret key or a plain-http return URL", () => {
    // Prepare
    const overrides = { acme: { stripePublishableKey: 'pk_live_acme123' } };
    const functions = functionsWithTable(synthTenant('acme', { overrides, stackId: 'Crowdstart-pk' }));

    // Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        STRIPE_PUBLISHABLE_KEY: 'pk_live_acme123',
        PAYMENT_RETURN_URL: 'https://shop.acme.example/orders/{orderId}',
      });
    }
    expect(() => resolveSettings('acme', { acme: { stripePublishableKey: 'sk_live_oops' } })).toThrow(/stripePublishableKey/);
    expect(() => resolveSettings('acme', { acme: { paymentReturnUrl: 'http://shop.acme.example/orders/{orderId}' } })).toThrow(/paymentReturnUrl/);
    expect(resolveSettings('initech', { initech: { paymentReturnUrl: 'http://localhost:3000/?order={orderId}' } }).paymentReturnUrl).toContain('localhost');
  });
});
