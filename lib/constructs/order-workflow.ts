import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  IntegrationPattern,
  JsonPath,
  LogLevel,
  Pass,
  Result,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import { DynamoAttributeValue, DynamoUpdateItem, LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { RouteResource } from '../routes';

/** One Task state's Lambda: the module under functions/ and what it touches (for its grants). */
export interface WorkflowTask {
  /** Stable construct id (PascalCase); renaming it replaces the function. */
  readonly id: WorkflowTaskId;
  /** Module under functions/ exporting `handler`. */
  readonly module: string;
  readonly uses: readonly RouteResource[];
  /** Lambda timeout; Stripe calls get longer than table writes. */
  readonly timeoutSeconds: number;
}

export type WorkflowTaskId =
  | 'Pay'
  | 'AwaitAuthentication'
  | 'MarkPaid'
  | 'MarkPaymentFailed'
  | 'CancelPayment'
  | 'RefundPayment'
  | 'MarkCancelled'
  | 'AwaitDelivery'
  | 'RecordFailure';

const TABLE: RouteResource[] = ['table:read', 'table:write'];

/**
 * Every task Lambda of the order workflow (cdk-patterns saga: one small function per step).
 * Pay reports its outcome through its own task token ('workflow:callback', granted by the
 * construct itself: see OrderWorkflow).
 */
export const WORKFLOW_TASKS: readonly WorkflowTask[] = [
  { id: 'Pay', module: 'workflow/pay', uses: [...TABLE, 'stripe', 'workflow:callback'], timeoutSeconds: 30 },
  { id: 'AwaitAuthentication', module: 'workflow/await-authentication', uses: TABLE, timeoutSeconds: 10 },
  { id: 'MarkPaid', module: 'workflow/mark-paid', uses: TABLE, timeoutSeconds: 10 },
  { id: 'MarkPaymentFailed', module: 'workflow/mark-payment-failed', uses: TABLE, timeoutSeconds: 10 },
  { id: 'CancelPayment', module: 'workflow/cancel-payment', uses: [...TABLE, 'stripe'], timeoutSeconds: 30 },
  { id: 'RefundPayment', module: 'workflow/refund-payment', uses: [...TABLE, 'stripe'], timeoutSeconds: 30 },
  { id: 'MarkCancelled', module: 'workflow/mark-cancelled', uses: TABLE, timeoutSeconds: 10 },
  { id: 'AwaitDelivery', module: 'workflow/await-delivery', uses: TABLE, timeoutSeconds: 10 },
  { id: 'RecordFailure', module: 'workflow/record-failure', uses: TABLE, timeoutSeconds: 10 },
];

/**
 * Error names the states match (set explicitly on the classes in functions/, so bundling cannot
 * rename them). The cancellation errors are also what the HTTP side sends with SendTaskFailure.
 */
export const WORKFLOW_ERRORS = {
  /** functions/domain/order.ts OrderCancelled; SendTaskFailure from POST /orders/{id}/cancel. */
  cancelled: 'OrderCancelled',
  /** SendTaskFailure from POST /admin/orders/{id}/refund; functions/domain/order.ts OrderRefunded (a return). */
  refunded: 'OrderRefunded',
  /** functions/adapters/stripe PaymentProviderUnavailable: Stripe down, 5xx, 429. */
  paymentProviderUnavailable: 'PaymentProviderUnavailable',
  /** Pay fails its own token with these (functions/workflow/pay.ts): outcomes, not faults. */
  paymentRequiresAction: 'PaymentRequiresAction',
  paymentFailed: 'PaymentFailed',
  /** Pay moved the order but could not report it (functions/workflow/pay.ts PaymentNotReported): retried, never voided. */
  paymentNotReported: 'PaymentNotReported',
  /** Table writes that lost to contention (the table module's transactWrite gives up with TooManyRequests). */
  tableBusy: ['TooManyRequests', 'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'InternalServerError'],
  /** The same from the direct DynamoDB integration (Step Functions prefixes the service). */
  directTableBusy: [
    'DynamoDB.ProvisionedThroughputExceededException',
    'DynamoDB.ThrottlingException',
    'DynamoDB.RequestLimitExceeded',
    'DynamoDB.InternalServerErrorException',
    'DynamoDB.AmazonDynamoDBException',
  ],
  /** Auto-complete's condition (the order is still FULFILLED) did not hold. */
  conditionFailed: 'DynamoDB.ConditionalCheckFailedException',
} as const;

/**
 * What LambdaInvoke's `retryOnServiceExceptions` retries (same interval, attempts and backoff),
 * plus throttling, which it leaves out: the payment tasks have reserved concurrency, and a
 * throttled Pay must be retried, not taken by its States.ALL catch for a failed payment.
 */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
const retryLambdaService = <T extends TaskStateBase>(task: T): T =>
  task.addRetry({ errors: LAMBDA_SERVICE_ERRORS, interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2 }) as T;

/** Properties of {@link OrderWorkflow}. */
export interface OrderWorkflowProps {
  /**
   * Makes (or imports) the Lambda of a task; called once per entry of WORKFLOW_TASKS with the
   * construct's `Functions` scope, so `task.id` is a free construct id there. The stack passes its function factory; the local stack imports fixed ARNs.
   */
  readonly taskFunction: (scope: Construct, task: WorkflowTask) => IFunction;
  /** Where `Await fulfillment` sends `{ orderId, taskToken, items, shippingAddress }`. */
  readonly fulfillmentQueue: IQueue;
  /** The table `Auto-complete` writes the order in (a direct UpdateItem, no Lambda). */
  readonly table: ITable;
  /**
   * Retention of the execution logs (every state transition, with its data).
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Keep the log group when the stack goes away.
   * @default false
   */
  readonly retainLogs?: boolean;
  /**
   * @default - a generated name
   */
  readonly stateMachineName?: string;
}

/**
 * The order workflow: a STANDARD state machine, one execution per order (name = order id,
 * input `{ orderId, completeAfterSeconds, fulfillmentSlaSeconds, authenticationTimeoutSeconds,
 * orderKey, completedStatusPartition }`: the waits' timeouts and the order item's keys),
 * PENDING → PAID → FULFILLED → COMPLETED, with the failure paths (payment failed, cancelled,
 * refunded) releasing stock. Each step is a small Lambda that moves the order and its stock in
 * one transaction and is a no-op when re-run; failures route to compensations with addCatch, and
 * compensations retry with backoff.
 *
 * Few transitions (each one is billed): a card order takes 3 (`Pay` → `Await fulfillment` →
 * `Await delivery`), 4 when it completes by itself (`Auto-complete`). So no step only writes a
 * status: Pay writes PAID (or PAYMENT_FAILED) itself and reports the outcome through its own task
 * token, failing it with PaymentRequiresAction or PaymentFailed, which the state routes like a
 * Choice would without a Lambda error for a declined card; the merchant's actions write FULFILLED
 * and COMPLETED (conditional writes) before they resume the waits (functions/application/
 * order-actions.ts); and completing by itself is one direct DynamoDB UpdateItem.
 * Business outcomes (payment failed, cancelled, refunded) end in Succeed states, so a FAILED
 * execution always means a fault and raises the alarm. A step that fails past its retries
 * records on the order what failed (`attention`) and ends the execution in `Needs attention`
 * (Fail): the order keeps its status and stock, and from then on the HTTP actions (ship,
 * deliver, cancel, refund) apply directly instead of through task tokens.
 *
 * Waits use task tokens kept on the order (`tokens.<kind>`), and every wait for a person ends:
 * the customer's authentication (Lambda .waitForTaskToken, timing out into a voided payment and
 * PAYMENT_FAILED), the merchant's shipment (SQS .waitForTaskToken on the Fulfillment queue,
 * timing out after the fulfillment SLA into `Needs attention`: the alarm, and the order in the
 * merchant's hands to ship or refund directly) and the delivery confirmation (Lambda
 * .waitForTaskToken, timing out into completion).
 */
export class OrderWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  /** The task Lambdas by id, e.g. to add alarms. */
  readonly functions: Readonly<Record<WorkflowTaskId, IFunction>>;
  /** Fires on the first execution that fails (a fault: every business outcome succeeds). */
  readonly failedExecutionsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: OrderWorkflowProps) {
    super(scope, id);
    const functionsScope = new Construct(this, 'Functions');
    const fn = Object.fromEntries(WORKFLOW_TASKS.map((task) => [task.id, props.taskFunction(functionsScope, task)])) as Record<
      WorkflowTaskId,
      IFunction
    >;
    this.functions = fn;

    const orderId = { orderId: JsonPath.stringAt('$.orderId') };
    /** A Lambda step; `payload: 'state'` hands it the whole state (no Parameters), else `{ orderId }`. */
    const step = (
      stateId: string,
      task: WorkflowTaskId,
      options: { payload?: TaskInput | 'state'; resultPath?: string; comment?: string } = {},
    ) =>
      retryLambdaService(
        new LambdaInvoke(this, stateId, {
          lambdaFunction: fn[task],
          payloadResponseOnly: true, // the Resource is the function ARN; the state result is its return value
          payload: options.payload === 'state' ? undefined : (options.payload ?? TaskInput.fromObject(orderId)),
          resultPath: options.resultPath ?? JsonPath.DISCARD,
          comment: options.comment,
          retryOnServiceExceptions: false,
        }),
      );
    const waitFor = (stateId: string, task: WorkflowTaskId, options: { resultPath: string; timeout?: Timeout; comment: string }) =>
      retryLambdaService(
        new LambdaInvoke(this, stateId, {
          lambdaFunction: fn[task],
          integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
          payload: TaskInput.fromObject({ ...orderId, taskToken: JsonPath.taskToken }),
          resultPath: options.resultPath,
          taskTimeout: options.timeout,
          comment: options.comment,
          retryOnServiceExceptions: false,
        }),
      );
    const retryTableErrors = (task: TaskStateBase) =>
      task.addRetry({ errors: [...WORKFLOW_ERRORS.tableBusy], interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2 });
    /** Compensations must finish: any error is retried with backoff (about 17 minutes in all). */
    const retryCompensation = (task: TaskStateBase) =>
      task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 9, backoffRate: 2, maxDelay: Duration.minutes(5) });
    const cancellations = [WORKFLOW_ERRORS.cancelled, WORKFLOW_ERRORS.refunded];

    // Ends. Payment failed, cancelled and refunded are outcomes of the business, not faults.
    const completedMeanwhile = new Succeed(this, 'Completed or returned meanwhile', {
      comment: 'POST delivered (COMPLETED) or a return (REFUNDED) ended the order as the wait timed out',
    });
    const paymentFailed = new Succeed(this, 'Payment failed');
    const cancelled = new Succeed(this, 'Cancelled');
    const refunded = new Succeed(this, 'Refunded', { comment: 'Refunded after shipping (POST /admin/orders/{id}/refund)' });

    // Faults: a step failed past its retries. The order records it, the execution fails (alarm).
    const needsAttention = new Fail(this, 'Needs attention', {
      error: 'OrderNeedsAttention',
      cause: "A workflow step failed; the order's `attention` says which. The merchant's actions now apply directly.",
    });
    const recordFailure = step('Record failure', 'RecordFailure', {
      payload: 'state',
      comment: 'Keeps the failed step and its error on the order (attention) and drops its task tokens',
    })
      .addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2, maxDelay: Duration.minutes(1) })
      .addCatch(needsAttention, { errors: ['States.ALL'], resultPath: '$.recordFailure' })
      .next(needsAttention);
    const failed = (stateId: string) =>
      new Pass(this, `${stateId} failed`, { result: Result.fromString(stateId), resultPath: '$.failedStep' }).next(recordFailure);
    /** Any other error of `task` (after its retries) goes to the fault path, naming the step. */
    const onFault = <T extends TaskStateBase>(task: T): T => task.addCatch(failed(task.node.id), { errors: ['States.ALL'], resultPath: '$.fault' }) as T;
    const payFailed = failed('Pay');

    // Failure and cancellation paths (compensations).
    const markCancelled = onFault(
      retryTableErrors(
        step('Mark cancelled', 'MarkCancelled', {
          payload: 'state',
          comment: 'CANCELLED; reserved or sold units go back to available',
        }),
      ),
    ).next(cancelled);
    const refundPayment = onFault(
      retryCompensation(step('Refund payment', 'RefundPayment', { resultPath: '$.compensation', comment: 'Refunds the whole charge' })),
    ).next(markCancelled);
    const cancelPayment = onFault(
      retryCompensation(
        step('Cancel payment', 'CancelPayment', {
          resultPath: '$.compensation',
          comment: 'Cancels the PaymentIntent (refunds it if it succeeded meanwhile)',
        }),
      ),
    ).next(markCancelled);
    const markPaymentFailed = onFault(
      retryTableErrors(
        step('Mark payment failed', 'MarkPaymentFailed', {
          payload: 'state',
          comment: 'PAYMENT_FAILED; the reservation goes back to available',
        }),
      ).addCatch(cancelled, { errors: [WORKFLOW_ERRORS.cancelled], resultPath: '$.cancellation' }),
    ).next(paymentFailed);
    const voidPayment = onFault(
      retryCompensation(
        step('Void payment', 'CancelPayment', {
          resultPath: '$.compensation',
          comment: 'The payment will not complete: cancel its PaymentIntent so it cannot succeed later',
        }),
      ),
    ).next(markPaymentFailed);

    // The happy path. A refund after shipping (REFUNDED) ends the delivery wait with OrderRefunded.
    const autoComplete = onFault(
      this.autoComplete(props.table)
        .addRetry({ errors: [...WORKFLOW_ERRORS.directTableBusy], interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2 })
        // Not FULFILLED any more: POST delivered (COMPLETED) or a return (REFUNDED) got there first.
        .addCatch(completedMeanwhile, { errors: [WORKFLOW_ERRORS.conditionFailed], resultPath: '$.autoComplete' }),
    );
    // The end of the happy path: POST /admin/orders/{id}/delivered wrote COMPLETED, then resumed this wait.
    const awaitDelivery = onFault(
      waitFor('Await delivery', 'AwaitDelivery', {
        resultPath: '$.delivery',
        timeout: Timeout.at('$.completeAfterSeconds'),
        comment: 'Until POST /admin/orders/{id}/delivered (which writes COMPLETED), or completeAfterSeconds',
      })
        .addCatch(autoComplete, { errors: ['States.Timeout'], resultPath: '$.delivery' })
        .addCatch(refunded, { errors: [WORKFLOW_ERRORS.refunded], resultPath: '$.cancellation' }),
    );
    const awaitFulfillment = new SqsSendMessage(this, 'Await fulfillment', {
      queue: props.fulfillmentQueue,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      messageBody: TaskInput.fromObject({
        ...orderId,
        taskToken: JsonPath.taskToken,
        items: JsonPath.objectAt('$.order.items'),
        shippingAddress: JsonPath.objectAt('$.order.shippingAddress'),
      }),
      resultPath: '$.fulfillment',
      // Also bounds a request whose token was never recorded (its consumer failed into the DLQ).
      taskTimeout: Timeout.at('$.fulfillmentSlaSeconds'),
      comment:
        'Until POST /admin/orders/{id}/fulfillment { carrier, trackingNumber } (which writes FULFILLED); past fulfillmentSlaSeconds (States.Timeout) the fault path records attention',
    }).addCatch(refundPayment, { errors: cancellations, resultPath: '$.cancellation' });
    onFault(awaitFulfillment).next(awaitDelivery);
    const markPaid = onFault(
      retryTableErrors(step('Mark paid', 'MarkPaid', { resultPath: '$.order', comment: 'PAID; reserved units become sold' })).addCatch(
        refundPayment,
        { errors: [WORKFLOW_ERRORS.cancelled], resultPath: '$.cancellation' },
      ),
    ).next(awaitFulfillment);

    const authenticationOutcome = new Choice(this, 'Authentication outcome')
      .when(Condition.stringEquals('$.authentication.outcome', 'succeeded'), markPaid)
      .otherwise(voidPayment);
    const awaitAuthentication = waitFor('Await authentication', 'AwaitAuthentication', {
      resultPath: '$.authentication',
      timeout: Timeout.at('$.authenticationTimeoutSeconds'),
      comment: 'REQUIRES_ACTION until the Stripe webhook resumes it with { outcome, declineCode? }, or authenticationTimeoutSeconds',
    })
      .addCatch(cancelPayment, { errors: cancellations, resultPath: '$.cancellation' })
      .addCatch(voidPayment, { errors: ['States.Timeout'], resultPath: '$.failure' })
      // The wait could not be set up (its token not recorded): give up on the payment as Pay does.
      .addCatch(voidPayment, { errors: ['States.ALL'], resultPath: '$.failure' })
      .next(authenticationOutcome);

    const pay = retryLambdaService(
      new LambdaInvoke(this, 'Pay', {
        lambdaFunction: fn.Pay,
        integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: TaskInput.fromObject({ ...orderId, taskToken: JsonPath.taskToken }),
        resultPath: '$.order',
        // The function reports before it returns (its own timeout is 30 s): this only bounds a lost report.
        taskTimeout: Timeout.duration(Duration.minutes(2)),
        comment:
          'Charges the order total (key order-<id>-pay) and writes PAID, reporting { items, shippingAddress } through its token; or fails the token with PaymentRequiresAction / PaymentFailed (PAYMENT_FAILED written)',
        retryOnServiceExceptions: false,
      }),
    )
      .addRetry({
        errors: [WORKFLOW_ERRORS.paymentNotReported],
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.minutes(1),
      })
      .addRetry({
        errors: [WORKFLOW_ERRORS.paymentProviderUnavailable],
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.minutes(1),
      })
      .addCatch(awaitAuthentication, { errors: [WORKFLOW_ERRORS.paymentRequiresAction], resultPath: '$.payment' })
      .addCatch(paymentFailed, { errors: [WORKFLOW_ERRORS.paymentFailed], resultPath: '$.payment' })
      .addCatch(cancelPayment, { errors: [WORKFLOW_ERRORS.cancelled], resultPath: '$.cancellation' })
      // The order is PAID or PAYMENT_FAILED already, only the report failed: the fault path, never a void.
      .addCatch(payFailed, { errors: [WORKFLOW_ERRORS.paymentNotReported], resultPath: '$.fault' })
      .addCatch(voidPayment, { errors: ['States.ALL'], resultPath: '$.failure' });
    const definition = pay.next(awaitFulfillment);

    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      comment: 'Crowdstart order: PENDING → PAID → FULFILLED → COMPLETED, with payment failure and cancellation paths',
      // Every state transition with its data, so Logs Insights can follow an order across
      // executions; it is the same data the execution history already keeps, in the tenant's account.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    this.grantOwnTokens(fn);

    this.failedExecutionsAlarm = new Alarm(this, 'FailedExecutionsAlarm', {
      alarmDescription: 'An order workflow execution failed: an order is stuck and needs an operator',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * `Auto-complete`: COMPLETED as `transitionOrder` would write it (status, history entry, status
   * index, version, the delivery token dropped; no stock moves), while the order is still
   * FULFILLED. One item, so a direct UpdateItem instead of a Lambda; the keys come in the
   * execution input (functions/adapters/sfn/order-workflow.ts, built with the table's key builders).
   */
  private autoComplete(table: ITable): DynamoUpdateItem {
    const now = DynamoAttributeValue.fromString(JsonPath.stringAt('$$.State.EnteredTime'));
    return new DynamoUpdateItem(this, 'Auto-complete', {
      table,
      key: {
        pk: DynamoAttributeValue.fromString(JsonPath.stringAt('$.orderKey.pk')),
        sk: DynamoAttributeValue.fromString(JsonPath.stringAt('$.orderKey.sk')),
      },
      updateExpression:
        'SET #status = :completed, #history = list_append(if_not_exists(#history, :empty), :entry), #updatedAt = :now, #gsi2pk = :statusPartition ADD #version :one REMOVE #tokens.#delivery',
      conditionExpression: '#status = :fulfilled',
      expressionAttributeNames: {
        '#status': 'status',
        '#history': 'history',
        '#updatedAt': 'updatedAt',
        '#gsi2pk': 'gsi2pk',
        '#version': 'version',
        '#tokens': 'tokens',
        '#delivery': 'delivery',
      },
      expressionAttributeValues: {
        ':completed': DynamoAttributeValue.fromString('COMPLETED'),
        ':fulfilled': DynamoAttributeValue.fromString('FULFILLED'),
        ':entry': DynamoAttributeValue.fromList([DynamoAttributeValue.fromMap({ status: DynamoAttributeValue.fromString('COMPLETED'), at: now })]),
        ':empty': DynamoAttributeValue.fromList([]),
        ':now': now,
        ':statusPartition': DynamoAttributeValue.fromString(JsonPath.stringAt('$.completedStatusPartition')),
        ':one': DynamoAttributeValue.fromNumber(1),
      },
      resultPath: JsonPath.DISCARD,
      comment: 'COMPLETED after completeAfterSeconds without a delivery confirmation (condition: still FULFILLED)',
    });
  }

  /**
   * The tasks that report through their own token (Pay) may answer this state machine's tasks.
   * A policy of its own rather than the function's default one: the state machine refers to the
   * function, which depends on its default policy, so a grant there would close a cycle.
   */
  private grantOwnTokens(fn: Record<WorkflowTaskId, IFunction>): void {
    for (const task of WORKFLOW_TASKS.filter((t) => t.uses.includes('workflow:callback'))) {
      const role = fn[task.id].role;
      if (!role) continue; // imported (the local stack): nothing to grant
      new Policy(this, `${task.id}TaskResponses`, {
        roles: [role],
        statements: [
          new PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [this.stateMachine.stateMachineArn] }),
        ],
      });
    }
  }
}
