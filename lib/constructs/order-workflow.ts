import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
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
import { LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks';
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
  | 'MarkFulfilled'
  | 'AwaitDelivery'
  | 'MarkCompleted'
  | 'RecordFailure';

const TABLE: RouteResource[] = ['table:read', 'table:write'];

/** Every task Lambda of the order workflow (cdk-patterns saga: one small function per step). */
export const WORKFLOW_TASKS: readonly WorkflowTask[] = [
  { id: 'Pay', module: 'workflow/pay', uses: [...TABLE, 'stripe'], timeoutSeconds: 30 },
  { id: 'AwaitAuthentication', module: 'workflow/await-authentication', uses: TABLE, timeoutSeconds: 10 },
  { id: 'MarkPaid', module: 'workflow/mark-paid', uses: TABLE, timeoutSeconds: 10 },
  { id: 'MarkPaymentFailed', module: 'workflow/mark-payment-failed', uses: TABLE, timeoutSeconds: 10 },
  { id: 'CancelPayment', module: 'workflow/cancel-payment', uses: [...TABLE, 'stripe'], timeoutSeconds: 30 },
  { id: 'RefundPayment', module: 'workflow/refund-payment', uses: [...TABLE, 'stripe'], timeoutSeconds: 30 },
  { id: 'MarkCancelled', module: 'workflow/mark-cancelled', uses: TABLE, timeoutSeconds: 10 },
  { id: 'MarkFulfilled', module: 'workflow/mark-fulfilled', uses: TABLE, timeoutSeconds: 10 },
  { id: 'AwaitDelivery', module: 'workflow/await-delivery', uses: TABLE, timeoutSeconds: 10 },
  { id: 'MarkCompleted', module: 'workflow/mark-completed', uses: TABLE, timeoutSeconds: 10 },
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
  /** Table writes that lost to contention (the table module's transactWrite gives up with TooManyRequests). */
  tableBusy: ['TooManyRequests', 'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'InternalServerError'],
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
 * input `{ orderId, completeAfterSeconds, fulfillmentSlaSeconds, authenticationTimeoutSeconds }`,
 * the waits' timeouts), PENDING → PAID → FULFILLED → COMPLETED, with the
 * failure paths (payment failed, cancelled, refunded) releasing stock. Each step is a small
 * Lambda that moves the order and its stock in one transaction and is a no-op when re-run;
 * failures route to compensations with addCatch, and compensations retry with backoff.
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
    const completed = new Succeed(this, 'Completed');
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
    /** Any other error of `task` (after its retries) goes to the fault path, naming the step. */
    const onFault = <T extends TaskStateBase>(task: T): T =>
      task.addCatch(
        new Pass(this, `${task.node.id} failed`, { result: Result.fromString(task.node.id), resultPath: '$.failedStep' }).next(recordFailure),
        { errors: ['States.ALL'], resultPath: '$.fault' },
      ) as T;

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
    const markCompleted = onFault(
      retryTableErrors(step('Mark completed', 'MarkCompleted', { comment: 'COMPLETED' })).addCatch(refunded, {
        errors: [WORKFLOW_ERRORS.refunded],
        resultPath: '$.cancellation',
      }),
    ).next(completed);
    const awaitDelivery = onFault(
      waitFor('Await delivery', 'AwaitDelivery', {
        resultPath: '$.delivery',
        timeout: Timeout.at('$.completeAfterSeconds'),
        comment: 'Until POST /admin/orders/{id}/delivered, or completeAfterSeconds',
      })
        .addCatch(markCompleted, { errors: ['States.Timeout'], resultPath: '$.delivery' })
        .addCatch(refunded, { errors: [WORKFLOW_ERRORS.refunded], resultPath: '$.cancellation' }),
    ).next(markCompleted);
    const markFulfilled = onFault(
      retryTableErrors(
        step('Mark fulfilled', 'MarkFulfilled', {
          payload: TaskInput.fromObject({ ...orderId, fulfillment: JsonPath.objectAt('$.fulfillment') }),
          comment: 'FULFILLED with carrier and tracking number',
        }),
      ),
    ).next(awaitDelivery);
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
        'Until POST /admin/orders/{id}/fulfillment { carrier, trackingNumber }; past fulfillmentSlaSeconds (States.Timeout) the fault path records attention',
    }).addCatch(refundPayment, { errors: cancellations, resultPath: '$.cancellation' });
    onFault(awaitFulfillment).next(markFulfilled);
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

    const paymentOutcome = new Choice(this, 'Payment outcome')
      .when(Condition.stringEquals('$.payment.outcome', 'succeeded'), markPaid)
      .when(Condition.stringEquals('$.payment.outcome', 'requires_action'), awaitAuthentication)
      .otherwise(markPaymentFailed);
    const pay = step('Pay', 'Pay', { resultPath: '$.payment', comment: 'Charges the order total (key order-<id>-pay)' })
      .addRetry({
        errors: [WORKFLOW_ERRORS.paymentProviderUnavailable],
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.minutes(1),
      })
      .addCatch(cancelPayment, { errors: [WORKFLOW_ERRORS.cancelled], resultPath: '$.cancellation' })
      .addCatch(voidPayment, { errors: ['States.ALL'], resultPath: '$.failure' });
    const definition = pay.next(paymentOutcome);

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

    this.failedExecutionsAlarm = new Alarm(this, 'FailedExecutionsAlarm', {
      alarmDescription: 'An order workflow execution failed: an order is stuck and needs an operator',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
