import { Annotations, Aspects, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { QueueId } from '../consumers';
import type { RouteResource } from '../routes';
import type { Queues } from './queues';

/** The repository root: bundling resolves entries, tsconfig and the lock file from here. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** The handler modules (paths under functions/, no extension) whose entry file does not exist. */
export function missingModules(modules: readonly string[]): string[] {
  return modules.filter((module) => !existsSync(join(PROJECT_ROOT, 'functions', `${module}.ts`)));
}

/** Env var names the functions read (functions/shared/env.ts), set next to the matching grant. */
export const ENV = {
  tableName: 'TABLE_NAME',
  stripeSecretName: 'STRIPE_SECRET_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  holdTtlSeconds: 'HOLD_TTL_SECONDS',
  completeAfterSeconds: 'COMPLETE_AFTER_SECONDS',
  fulfillmentSlaSeconds: 'FULFILLMENT_SLA_SECONDS',
  tenant: 'CROWDSTART_TENANT',
} as const;

/**
 * Which queue each `*-queue` resource kind sends to. Typed over every such kind in
 * RouteResource, so adding e.g. 'order-events-queue' to lib/routes.ts fails to compile until it
 * is mapped here — and then gets its send grant and URL env var without further code.
 */
const QUEUE_RESOURCES: Record<Extract<RouteResource, `${string}-queue`>, QueueId> = {
  'webhook-queue': 'StripeWebhooks',
  'order-events-queue': 'OrderEvents',
};

/**
 * Reads a function needs; Scan is deliberately absent so no route can fall back to one.
 * ConditionCheckItem lets TransactWriteItems assert on items the function does not write.
 */
const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** Properties of {@link ServiceFunctions}. */
export interface ServiceFunctionsProps {
  readonly table: ITable;
  readonly queues: Queues;
  /** The Stripe secret (looked up by name, never created here). */
  readonly stripeSecret: ISecret;
  readonly logRetention: RetentionDays;
  /**
   * Keep function log groups when the stack goes away.
   * @default false
   */
  readonly retainLogs?: boolean;
  /**
   * Memory of every function.
   * @default 1024
   */
  readonly memorySizeMb?: number;
  /**
   * Env vars every function gets (settings, not resources: those come with their grants).
   * @default - none beyond NODE_OPTIONS and POWERTOOLS_SERVICE_NAME
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/** What one function runs and touches. */
export interface ServiceFunctionOptions {
  /** Module under functions/ exporting `handler`, e.g. 'api/get-product' or 'queue/search-indexer'. */
  readonly module: string;
  /** What the function touches; each entry adds exactly its grant and env var. */
  readonly uses: readonly RouteResource[];
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Extra env vars for this function only.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * @default - the module name
   */
  readonly description?: string;
}

/**
 * The function factory: every Lambda of the stack (API routes, consumers, schedules and the
 * workflow's tasks) comes from {@link ServiceFunctions.create}, so they share runtime, bundling
 * and logging, and get exactly the permissions their `uses` list names.
 */
export class ServiceFunctions {
  private stateMachine?: IStateMachine;
  private readonly workflowUsers: NodejsFunction[] = [];

  constructor(private readonly props: ServiceFunctionsProps) {}

  /** Creates a function for `options.module` in `scope`, with its log group and grants. */
  create(scope: Construct, id: string, options: ServiceFunctionOptions): NodejsFunction {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: this.props.logRetention,
      removalPolicy: this.props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const fn = new NodejsFunction(scope, id, {
      entry: join(PROJECT_ROOT, 'functions', `${options.module}.ts`),
      handler: 'handler',
      description: options.description ?? options.module,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: this.props.memorySizeMb ?? 1024,
      timeout: options.timeout ?? Duration.seconds(10),
      logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'crowdstart',
        ...this.props.environment,
        ...options.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        // Prefer packages' ESM builds; CJS-only dependencies still work through the banner's require.
        mainFields: ['module', 'main'],
        banner: "import { createRequire as __crowdstartCreateRequire } from 'node:module'; const require = __crowdstartCreateRequire(import.meta.url);",
        // Bundle the SDK: package.json pins newer clients than the runtime ships, and the
        // runtime's copy is CommonJS only.
        bundleAwsSDK: true,
        minify: true,
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        forceDockerBundling: false,
      },
    });
    this.grant(fn, options.uses);
    return fn;
  }

  /**
   * Plugs in the order workflow: every function that uses 'workflow' (created before or after
   * this call) gets STATE_MACHINE_ARN and the execution and task-token grants.
   */
  attachStateMachine(stateMachine: IStateMachine): void {
    if (this.stateMachine) throw new Error('A state machine is already attached');
    this.stateMachine = stateMachine;
    for (const fn of this.workflowUsers) this.grantWorkflow(fn, stateMachine);
  }

  private grant(fn: NodejsFunction, uses: readonly RouteResource[]): void {
    const { table, stripeSecret, queues } = this.props;
    for (const resource of new Set(uses)) {
      switch (resource) {
        case 'table:read':
          table.grant(fn, ...TABLE_READ_ACTIONS);
          fn.addEnvironment(ENV.tableName, table.tableName);
          break;
        case 'table:write':
          table.grant(fn, ...TABLE_WRITE_ACTIONS);
          fn.addEnvironment(ENV.tableName, table.tableName);
          break;
        case 'stripe':
          stripeSecret.grantRead(fn);
          fn.addEnvironment(ENV.stripeSecretName, stripeSecret.secretName);
          break;
        case 'workflow':
          this.workflowUsers.push(fn);
          if (this.stateMachine) this.grantWorkflow(fn, this.stateMachine);
          else if (this.workflowUsers.length === 1) this.warnIfNeverAttached(Stack.of(fn));
          break;
        default: {
          const { definition, queue } = queues.get(QUEUE_RESOURCES[resource]);
          queue.grantSendMessages(fn);
          fn.addEnvironment(definition.urlEnvVar, queue.queueUrl);
        }
      }
    }
  }

  /** Warns at synth, not at creation, so routes can land before the workflow without breaking synth. */
  private warnIfNeverAttached(stack: Stack): void {
    Aspects.of(stack).add({
      visit: (node) => {
        if (node !== stack || this.stateMachine) return;
        Annotations.of(stack).addWarningV2(
          'crowdstart:workflow-not-attached',
          `No state machine is attached (CrowdstartStack.attachStateMachine), so these functions that use 'workflow' have no ${ENV.stateMachineArn}: ${this.workflowUsers.map((fn) => fn.node.path).join(', ')}`,
        );
      },
    });
  }

  private grantWorkflow(fn: NodejsFunction, stateMachine: IStateMachine): void {
    stateMachine.grantStartExecution(fn);
    stateMachine.grantTaskResponse(fn);
    stateMachine.grant(fn, 'states:ListExecutions');
    stateMachine.grantExecution(fn, 'states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution');
    fn.addEnvironment(ENV.stateMachineArn, stateMachine.stateMachineArn);
  }
}
