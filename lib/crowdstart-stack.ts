import { Aws, CfnOutput, Duration, Stack, Tags, Validations, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE } from './business-metrics';
import { QUEUE_CONSUMERS, SCHEDULED_JOBS, STREAM_CONSUMERS } from './consumers';
import { CatalogCdn } from './constructs/catalog-cdn';
import { DataTable } from './constructs/data-table';
import { Delivery } from './constructs/delivery';
import { EventConsumers } from './constructs/event-consumers';
import { CrowdstartApi } from './constructs/http-api';
import { Monitoring } from './constructs/monitoring';
import { OrderWorkflow, WORKFLOW_TASKS } from './constructs/order-workflow';
import { Queues } from './constructs/queues';
import { missingModules, ServiceFunctions } from './constructs/service-functions';
import { ENV } from './env-names';
import { UserDirectory } from './constructs/user-directory';
import { ROUTES } from './routes';
import type { TenantSettings } from './settings';

/** Properties of {@link CrowdstartStack}. */
export interface CrowdstartStackProps extends StackProps {
  /** The tenant's resolved settings (lib/settings.ts `resolveSettings`). */
  readonly settings: TenantSettings;
}

/** The stack name of a tenant's stage. */
export const stackName = (tenant: string): string => `Crowdstart-${tenant}`;

/**
 * One tenant stage: the table, the queues, the HTTP API with a function per route, the event
 * consumers and (plugged in by {@link attachStateMachine}) the order workflow. Nothing is given
 * a physical name, so any number of tenants deploy side by side in one account.
 */
/** The public reads whose handlers answer with Cache-Control and ETag (cacheSeconds): the CDN caches them. */
const CACHED_ROUTES = new Set(['list-products', 'get-product', 'search-products']);

export class CrowdstartStack extends Stack {
  readonly settings: TenantSettings;
  readonly table: DataTable;
  readonly queues: Queues;
  /** The function factory; the workflow's task functions come from it too. */
  readonly functions: ServiceFunctions;
  readonly api: CrowdstartApi;
  /** CloudFront in front of the API, caching the public catalog reads. */
  readonly cdn: CatalogCdn;
  readonly consumers: EventConsumers;
  /** The stage's Cognito user pool, when the tenant brings no identity provider. */
  readonly userDirectory?: UserDirectory;
  /** The alarm topic, the alarms and the dashboard. */
  readonly monitoring: Monitoring;
  /** The CodeDeploy deployment groups behind the functions' `live` aliases. */
  readonly delivery: Delivery;
  private stateMachine?: IStateMachine;

  constructor(scope: Construct, id: string, props: CrowdstartStackProps) {
    const { settings } = props;
    super(scope, id, {
      description: `Crowdstart commerce backend, tenant ${settings.tenant}`,
      env: settings.account || settings.region ? { account: settings.account, region: settings.region } : undefined,
      terminationProtection: settings.production,
      ...props,
    });
    this.settings = settings;
    assertHandlersExist();
    const retain = settings.production;
    const logRetention = settings.logRetentionDays as RetentionDays;
    Tags.of(this).add('crowdstart:tenant', settings.tenant);

    this.table = new DataTable(this, 'Data', { retain, indexesCopyingWholeItems: settings.indexesCopyingWholeItems });
    this.queues = new Queues(this, 'Queues', { retain });
    this.functions = new ServiceFunctions({
      table: this.table.table,
      queues: this.queues,
      stripeSecret: Secret.fromSecretNameV2(this, 'StripeSecret', settings.stripeSecretName),
      stripeWebhookSecret: Secret.fromSecretNameV2(this, 'StripeWebhookSecret', settings.stripeWebhookSecretName),
      logRetention,
      retainLogs: retain,
      memorySizeMb: settings.lambdaMemoryMb,
      environment: {
        [ENV.tenant]: settings.tenant,
        [ENV.holdTtlSeconds]: String(settings.holdTtlSeconds),
        [ENV.holdMaxLifetimeSeconds]: String(settings.holdMaxLifetimeSeconds),
        [ENV.maxUnitsPerCustomer]: String(settings.maxUnitsPerCustomer),
        [ENV.completeAfterSeconds]: String(settings.completeAfterSeconds),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        [ENV.fulfillmentSlaSeconds]: String(settings.fulfillmentSlaSeconds),
        ...(settings.stripePublishableKey ? { [ENV.stripePublishableKey]: settings.stripePublishableKey } : {}),
        ...(settings.paymentReturnUrl ? { [ENV.paymentReturnUrl]: settings.paymentReturnUrl } : {}),
        [ENV.webhookUrlPolicy]: settings.webhookUrlPolicy,
      },
    });

    if (!settings.jwt) this.userDirectory = new UserDirectory(this, 'Users', { retain });
    const jwt = settings.jwt ?? { issuer: this.userDirectory!.issuer, audience: this.userDirectory!.audience };

    this.api = new CrowdstartApi(this, 'Api', {
      routes: ROUTES,
      functions: this.functions,
      apiName: `${this.stackName}-api`,
      jwtIssuer: jwt.issuer,
      jwtAudience: jwt.audience,
      throttleRateLimit: settings.throttle.rateLimit,
      throttleBurstLimit: settings.throttle.burstLimit,
      corsAllowOrigins: settings.corsAllowOrigins,
      logRetention,
      retainLogs: retain,
    });

    this.cdn = new CatalogCdn(this, 'Cdn', {
      httpApi: this.api.httpApi,
      cachedRoutes: ROUTES.filter((route) => CACHED_ROUTES.has(route.handler)),
    });

    this.consumers = new EventConsumers(this, 'Consumers', {
      functions: this.functions,
      table: this.table.table,
      queues: this.queues,
      streamConsumers: STREAM_CONSUMERS,
      queueConsumers: QUEUE_CONSUMERS,
      scheduledJobs: SCHEDULED_JOBS,
      scheduleIntervals: settings.scheduleIntervals,
      retain,
      reservedConcurrency: settings.reservedConcurrency?.consumer,
    });

    // The order workflow: one small Lambda per task from the same factory, then its state machine,
    // whose Task states invoke the tasks' live aliases.
    const workflow = new OrderWorkflow(this, 'OrderWorkflow', {
      taskFunction: (scope, task) =>
        this.functions.aliasOf(
          this.functions.create(scope, task.id, {
            module: task.module,
            // Answering its own task token is granted by the workflow (a grant here would be a cycle).
            uses: task.uses.filter((use) => use !== 'workflow:callback'),
            timeout: Duration.seconds(task.timeoutSeconds),
            description: `Order workflow task ${task.id} (${task.module})`,
            // The payment steps: a surge elsewhere must not leave an order unable to pay or refund.
            reservedConcurrentExecutions: task.uses.includes('stripe') ? settings.reservedConcurrency?.payment : undefined,
          }),
        ),
      fulfillmentQueue: this.queues.get('Fulfillment').queue,
      table: this.table.table,
      logRetention,
      retainLogs: retain,
    });
    this.attachStateMachine(workflow.stateMachine);
    Validations.of(workflow.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Tracing (xray:PutTraceSegments …) and log delivery (logs:CreateLogDelivery …) support no resource-level permissions',
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      tenant: settings.tenant,
      alarmEmail: settings.alarmEmail,
      httpApi: this.api.httpApi,
      functions: this.functions.all(),
      apiFunctions: new Set(this.api.routeFunctions.values()),
      queues: this.queues.all(),
      streamConsumers: STREAM_CONSUMERS.map((consumer) => this.consumers.functions.get(consumer.id)!),
      stateMachine: workflow.stateMachine,
    });
    // Not the failed-executions alarm: it depends on the state machine, which depends on the
    // task aliases, whose deployments would then depend on it (a cycle).
    const apiAlarms = [this.monitoring.apiServerErrorsAlarm, this.monitoring.apiLatencyAlarm];
    this.delivery = new Delivery(this, 'Delivery', {
      functions: this.functions.all(),
      strategy: settings.deployment,
      rollbackAlarms: (fn) => [this.monitoring.errorsAlarmOf(fn.function), ...apiAlarms].filter((alarm) => alarm !== undefined),
    });

    this.addOutputs(jwt.issuer);
  }

  /**
   * Plugs in the order workflow's state machine: functions that use 'workflow:*' get
   * STATE_MACHINE_ARN and their grants, and the stack outputs its ARN and console link.
   */
  attachStateMachine(stateMachine: IStateMachine): void {
    this.functions.attachStateMachine(stateMachine);
    this.stateMachine = stateMachine;
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'StateMachineConsoleUrl', {
      description: 'The order workflow in the Step Functions console (one execution per order id)',
      value: `${consoleBase('states')}#/statemachines/view/${stateMachine.stateMachineArn}`,
    });
  }

  /** The attached order workflow, if any. */
  get orderStateMachine(): IStateMachine | undefined {
    return this.stateMachine;
  }

  private addOutputs(issuer: string): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'CdnUrl', { description: 'The API through CloudFront: catalog reads cached', value: `https://${this.cdn.distribution.distributionDomainName}` });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'JwtIssuer', { value: issuer });
    if (this.userDirectory) {
      new CfnOutput(this, 'UserPoolId', { value: this.userDirectory.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: this.userDirectory.client.userPoolClientId });
    }
    for (const { definition, queue } of this.queues.all()) {
      new CfnOutput(this, `${definition.id}QueueUrl`, { value: queue.queueUrl });
    }
    new CfnOutput(this, 'TableConsoleUrl', {
      value: `${consoleBase('dynamodbv2')}#table?name=${this.table.table.tableName}`,
    });
    new CfnOutput(this, 'StepFunctionsConsoleUrl', { value: `${consoleBase('states')}#/statemachines` });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardUrl', {
      value: `${consoleBase('cloudwatch')}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
    });
  }
}

/** Names every missing handler at once, instead of NodejsFunction failing on the first. */
function assertHandlersExist(): void {
  const modules = [
    ...ROUTES.map((route) => `api/${route.handler}`),
    ...[...STREAM_CONSUMERS, ...QUEUE_CONSUMERS, ...SCHEDULED_JOBS].map((consumer) => consumer.handler),
    ...WORKFLOW_TASKS.map((task) => task.module),
  ];
  const missing = missingModules(modules);
  if (missing.length) {
    throw new Error(`Handler modules missing (each must export 'handler'): ${missing.map((m) => `functions/${m}.ts`).join(', ')}`);
  }
}

/** The AWS console home of a service in the stack's region (resolved at deploy time). */
function consoleBase(service: string): string {
  return `https://${Aws.REGION}.console.aws.amazon.com/${service}/home?region=${Aws.REGION}`;
}
