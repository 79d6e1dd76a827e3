import { Annotations, Aspects, CfnParameter, Duration, NestedStack, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, Architecture, Runtime, Tracing, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { StateMachine, type IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct, IConstruct } from 'constructs';
// cdk-nag names a wildcard finding by the flattened resource; its own flattener keeps our id in step with it.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS_SERVICE } from '../business-metrics';
import type { QueueId } from '../consumers';
import { ENV } from '../env-names';
import type { RouteResource } from '../routes';
import { FUNCTION_LOGGING } from '../function-logging';
import { memoryOf } from '../function-memory';
import { GLOBAL_INDEXES } from '../table-schema';
import type { Queues } from './queues';

/** The repository root: bundling resolves entries, tsconfig and the lock file from here. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** The handler modules (paths under functions/, no extension) whose entry file does not exist. */
export function missingModules(modules: readonly string[]): string[] {
  return modules.filter((module) => !existsSync(join(PROJECT_ROOT, 'functions', `${module}.ts`)));
}

/** A construct id from a construct's path below its stack, e.g. `ApiGetProductsFunction`. */
export function pathId(construct: IConstruct): string {
  const below = construct.node.scopes.slice(Stack.of(construct).node.scopes.length);
  return below.map((scope) => scope.node.id).join('');
}

/**
 * Which queue each `*-queue` resource kind sends to. Typed over every such kind in
 * RouteResource, so adding e.g. 'order-events-queue' to lib/routes.ts fails to compile until it
 * is mapped here — and then gets its send grant and URL env var without further code.
 */
const QUEUE_RESOURCES: Record<Extract<RouteResource, `${string}-queue`>, QueueId> = {
  'webhook-queue': 'StripeWebhooks',
  'order-events-queue': 'OrderEvents',
  'webhook-deliveries-queue': 'WebhookDeliveries',
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

/**
 * Packages the SDK's default credential chain loads only through `import()` when the
 * environment holds no credentials, which on Lambda it always does (the execution role's keys are
 * in AWS_ACCESS_KEY_ID …). Bundled, they and the STS/SSO clients they pull in are 137 KB of every
 * SDK function (`npm run bench:cold`); left out, a chain that ever got that far (never on
 * Lambda) would import the runtime's own copies. bench:cold's init fails if one is ever loaded at module scope.
 */
const LAZY_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
];

/**
 * Loaded by @smithy/core's HTTP protocols only through `import()` when an operation streams
 * events, which no operation of the clients the functions use (DynamoDB, SQS, Step Functions,
 * Secrets Manager) does. Bundled, it is about 20 KB of every SDK function (`npm run bench:cold`).
 */
const LAZY_EVENT_STREAMS = ['@smithy/core/event-streams'];

/** How every function is bundled; `npm run bench:cold` (bin/support/bench/cold.ts) bundles with the same. */
export const FUNCTION_BUNDLING = {
  // CommonJS output: Node 22+ loads its whole undici (fetch, WebSocket) when an ES module imports
  // node:http, as the SDK's and Stripe's ESM builds do (nodejs/node#57649); a require() does not.
  // Lambda requires an index.js that no package.json marks as a module.
  format: OutputFormat.CJS,
  // Packages' ESM builds still go in, for tree-shaking.
  mainFields: ['module', 'main'],
  // Bundle the SDK: package.json pins newer clients than the runtime ships (its version varies by
  // runtime and Region), AWS recommends deploying the clients a function uses, and loading the SDK
  // from node_modules, as the runtime's copy loads, measured slower at init than the bundled,
  // tree-shaken copy (get-product, add-cart-item, checkout: 167–445 KB instead of 384–706, but
  // init 150–160 ms instead of 110). An ES module handler can import the runtime's copy (CommonJS)
  // too, so that is no reason either way.
  bundleAwsSDK: true,
  externalModules: [...LAZY_CREDENTIAL_PROVIDERS, ...LAZY_EVENT_STREAMS],
  minify: true,
  // No --enable-source-maps in NODE_OPTIONS: it reads and indexes each bundle's map at load, a
  // large share of init (BENCH_COLD_NODE_OPTIONS=--enable-source-maps npm run bench:cold shows
  // it). Stack frames still name our functions and classes (keepNames), and the maps ship with
  // the code, so a logged position can be mapped back to the source.
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  forceDockerBundling: false,
} satisfies BundlingOptions;

/** The alias every event source, integration and Task state invokes; CodeDeploy moves it. */
export const LIVE_ALIAS_NAME = 'live';

/** Properties of {@link ServiceFunctions}. */
export interface ServiceFunctionsProps {
  readonly table: ITable;
  readonly queues: Queues;
  /** The Stripe secret (looked up by name, never created here). */
  readonly stripeSecret: ISecret;
  /** The webhook signing secret, read only by the webhook route (looked up by name, never created here). */
  readonly stripeWebhookSecret: ISecret;
  readonly logRetention: RetentionDays;
  /**
   * Keep function log groups when the stack goes away.
   * @default false
   */
  readonly retainLogs?: boolean;
  /**
   * Memory of every function, overriding each function's own size.
   * @default - each function's size in lib/function-memory.ts
   */
  readonly memorySizeMb?: number;
  /**
   * Env vars every function gets (settings, not resources: those come with their grants).
   * @default - none beyond POWERTOOLS_SERVICE_NAME
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
  /**
   * Concurrency kept for (and capped at) this function.
   * @default - none: the function shares the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Give the function a role of its own. Event consumers need it: their event source adds its own
   * grants (receive from the queue, read the stream) to the role, which others must not get.
   * @default false - shares the role of the functions with the same `uses`
   */
  readonly ownRole?: boolean;
}

/** A function of the stack and the alias that serves its traffic. */
export interface ServiceFunction {
  /** Its construct path below the stack as one id (`ApiGetProductsFunction`), for the constructs about it. */
  readonly name: string;
  readonly function: NodejsFunction;
  /** `live`: what callers invoke, so a new version can be shifted to gradually and rolled back. */
  readonly alias: Alias;
  /** Its reserved concurrency, if it has one. */
  readonly reservedConcurrency?: number;
}

/**
 * The function factory: every Lambda of the stack (API routes, consumers, schedules and the
 * workflow's tasks) comes from {@link ServiceFunctions.create}, so they share runtime, bundling
 * and logging, and get exactly the permissions their `uses` list names.
 */
export class ServiceFunctions {
  private stateMachine?: IStateMachine;
  private readonly workflowUsers: { fn: NodejsFunction; uses: Set<RouteResource> }[] = [];
  private readonly created = new Map<NodejsFunction, ServiceFunction>();
  private readonly roles = new Map<string, Role>();
  private readonly stateMachines = new Map<Stack, IStateMachine>();
  private readonly tracingPolicies = new Map<Stack, Policy>();

  constructor(private readonly props: ServiceFunctionsProps) {}

  /**
   * Creates a function for `options.module` in `scope`, with its log group, its grants and its
   * alias. Invoke it through {@link aliasOf}. Functions that use the same resources share one
   * role, which may write to their own log groups only.
   */
  create(scope: Construct, id: string, options: ServiceFunctionOptions): NodejsFunction {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: this.props.logRetention,
      removalPolicy: this.props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const role = options.ownRole
      ? new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') })
      : this.roleFor(scope, options.uses);
    // Instead of AWSLambdaBasicExecutionRole, whose logs grant covers every log group of the account.
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(scope, id, {
      role,
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      entry: join(PROJECT_ROOT, 'functions', `${options.module}.ts`),
      handler: 'handler',
      description: options.description ?? options.module,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: memoryOf(options.module, this.props.memorySizeMb),
      timeout: options.timeout ?? Duration.seconds(10),
      logGroup,
      ...FUNCTION_LOGGING,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
        ...this.props.environment,
        ...options.environment,
      },
      bundling: FUNCTION_BUNDLING,
    });
    this.grant(fn, options.uses);
    this.traceActively(fn, role);
    const alias = new Alias(scope, `${id}LiveAlias`, { aliasName: LIVE_ALIAS_NAME, version: fn.currentVersion });
    this.created.set(fn, { name: pathId(fn), function: fn, alias, reservedConcurrency: options.reservedConcurrentExecutions });
    return fn;
  }

  /**
   * The role of the functions of `scope`'s stack that use exactly `uses`. One role per set rather
   * than per function keeps the stack under CloudFormation's 500 resources; each set's grants are
   * the same anyway. Per stack, because a role shared with a nested stack would tie the two into
   * a cycle (its policy names their log groups, their functions name it).
   */
  private roleFor(scope: Construct, uses: readonly RouteResource[]): Role {
    const stack = Stack.of(scope);
    const set = [...new Set(uses)].sort();
    const key = set.map((use) => use.split(/[^a-z]+/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')).join('') || 'Nothing';
    const stackKey = `${stack.node.addr}/${key}`;
    let role = this.roles.get(stackKey);
    if (!role) {
      role = new Role(stack, `FunctionRoleUsing${key}`, {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `Crowdstart functions that use ${set.join(', ') || 'nothing'}`,
      });
      this.roles.set(stackKey, role);
    }
    return role;
  }

  /**
   * X-Ray active tracing: a trace per invocation, joined to the API's and the workflow's. No
   * Powertools Tracer in the bundles: the X-Ray SDK it needs is large against the 300 KB bundle
   * cap, and the runtime's own segment already shows each invocation's time and errors.
   * `tracing: Tracing.ACTIVE` would put its `xray:Put*` grant on `*` into each role's own policy,
   * where cdk-nag's IAM5[Resource::*] must stay able to flag a real wildcard; so the mode is set
   * on the function and the grant comes from one policy per stack, acknowledged there alone.
   */
  private traceActively(fn: NodejsFunction, role: Role): void {
    (fn.node.defaultChild as CfnFunction).tracingConfig = { mode: Tracing.ACTIVE };
    const stack = Stack.of(role);
    let policy = this.tracingPolicies.get(stack);
    if (!policy) {
      policy = new Policy(stack, 'FunctionTracing', {
        statements: [new PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
      });
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions',
      });
      this.tracingPolicies.set(stack, policy);
    }
    policy.attachToRole(role);
  }

  /** The `live` alias of a function made by {@link create}: what its callers must invoke. */
  aliasOf(fn: NodejsFunction): Alias {
    const created = this.created.get(fn);
    if (!created) throw new Error(`${fn.node.path} was not made by ServiceFunctions.create`);
    return created.alias;
  }

  /** Every function made so far, with its alias, in creation order. */
  all(): ServiceFunction[] {
    return [...this.created.values()];
  }

  /**
   * Plugs in the order workflow: every function that uses a 'workflow:*' resource (created
   * before or after this call) gets STATE_MACHINE_ARN and exactly the grants those name.
   */
  attachStateMachine(stateMachine: IStateMachine): void {
    if (this.stateMachine) throw new Error('A state machine is already attached');
    this.stateMachine = stateMachine;
    for (const { fn, uses } of this.workflowUsers) this.grantWorkflow(fn, uses, stateMachine);
  }

  private grant(fn: NodejsFunction, uses: readonly RouteResource[]): void {
    const { table, stripeSecret, stripeWebhookSecret, queues } = this.props;
    const workflowUses = new Set(uses.filter((use) => use.startsWith('workflow:')));
    if (workflowUses.size) this.useWorkflow(fn, workflowUses);
    for (const resource of new Set(uses)) {
      switch (resource) {
        // Not table.grant(): that adds index/* to every grant, and most functions query no index.
        case 'table:describe':
          fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: [table.tableArn] }));
          fn.addEnvironment(ENV.tableName, table.tableName);
          break;
        case 'table:read':
          fn.addToRolePolicy(new PolicyStatement({ actions: TABLE_READ_ACTIONS, resources: [table.tableArn] }));
          fn.addEnvironment(ENV.tableName, table.tableName);
          break;
        case 'table:write':
          fn.addToRolePolicy(new PolicyStatement({ actions: TABLE_WRITE_ACTIONS, resources: [table.tableArn] }));
          fn.addEnvironment(ENV.tableName, table.tableName);
          break;
        case 'table:index':
          fn.addToRolePolicy(
            new PolicyStatement({
              actions: ['dynamodb:Query'],
              resources: GLOBAL_INDEXES.map((index) => `${table.tableArn}/index/${index.indexName}`),
            }),
          );
          fn.addEnvironment(ENV.tableName, table.tableName);
          break;
        case 'stripe':
          stripeSecret.grantRead(fn);
          fn.addEnvironment(ENV.stripeSecretName, stripeSecret.secretName);
          break;
        case 'stripe-webhook-secret':
          stripeWebhookSecret.grantRead(fn);
          fn.addEnvironment(ENV.stripeWebhookSecretName, stripeWebhookSecret.secretName);
          break;
        case 'workflow:start':
        case 'workflow:callback':
        case 'workflow:read':
          break; // granted together by useWorkflow, once the state machine is attached
        default: {
          const { definition, queue } = queues.get(QUEUE_RESOURCES[resource]);
          queue.grantSendMessages(fn);
          fn.addEnvironment(definition.urlEnvVar, queue.queueUrl);
        }
      }
    }
  }

  private useWorkflow(fn: NodejsFunction, uses: Set<RouteResource>): void {
    this.workflowUsers.push({ fn, uses });
    if (this.stateMachine) this.grantWorkflow(fn, uses, this.stateMachine);
    else if (this.workflowUsers.length === 1) this.warnIfNeverAttached(Stack.of(fn));
  }

  /** Warns at synth, not at creation, so routes can land before the workflow without breaking synth. */
  private warnIfNeverAttached(stack: Stack): void {
    Aspects.of(stack).add({
      visit: (node) => {
        if (node !== stack || this.stateMachine) return;
        Annotations.of(stack).addWarningV2(
          'crowdstart:workflow-not-attached',
          `No state machine is attached (CrowdstartStack.attachStateMachine), so these functions that use the workflow have no ${ENV.stateMachineArn}: ${this.workflowUsers.map(({ fn }) => fn.node.path).join(', ')}`,
        );
      },
    });
  }

  private grantWorkflow(fn: NodejsFunction, uses: Set<RouteResource>, attached: IStateMachine): void {
    const stateMachine = this.stateMachineIn(Stack.of(fn), attached);
    if (uses.has('workflow:start')) stateMachine.grantStartExecution(fn);
    // Not grantTaskResponse(): it adds SendTaskHeartbeat, which no handler sends.
    if (uses.has('workflow:callback')) stateMachine.grant(fn, 'states:SendTaskSuccess', 'states:SendTaskFailure');
    if (uses.has('workflow:read')) {
      const grant = stateMachine.grantExecution(fn, 'states:DescribeExecution');
      for (const arn of grant.principalStatements.flatMap((statement) => statement.resources)) {
        Validations.of(fn.role!).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(fn).resolve(arn))}]`,
          reason: 'Execution names are order ids: an order action reads the execution of the order it serves, which no policy can name ahead',
        });
      }
    }
    fn.addEnvironment(ENV.stateMachineArn, stateMachine.stateMachineArn);
  }

  /**
   * The state machine as `stack` sees it. A nested stack gets its ARN as a parameter of its own,
   * which CDK would otherwise add only at synthesis: made now, the grants' resources resolve here
   * as the template renders them, so the acknowledged finding ids above match cdk-nag's.
   */
  private stateMachineIn(stack: Stack, attached: IStateMachine): IStateMachine {
    if (stack === Stack.of(attached) || !NestedStack.isNestedStack(stack)) return attached;
    let imported = this.stateMachines.get(stack);
    if (!imported) {
      const arn = new CfnParameter(stack, 'StateMachineArn', { type: 'String', description: 'The order workflow' });
      stack.setParameter(arn.logicalId, attached.stateMachineArn);
      imported = StateMachine.fromStateMachineArn(stack, 'StateMachine', arn.valueAsString);
      this.stateMachines.set(stack, imported);
    }
    return imported;
  }
}
