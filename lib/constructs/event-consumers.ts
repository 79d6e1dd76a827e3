import { Duration, NestedStack, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import type { QueueConsumer, ScheduledJob, StreamConsumer } from '../consumers';
import type { Queues } from './queues';
import type { ServiceFunctions } from './service-functions';

/** Properties of {@link EventConsumers}. */
export interface EventConsumersProps {
  readonly functions: ServiceFunctions;
  /** The table whose stream feeds the stream consumers. */
  readonly table: ITable;
  readonly queues: Queues;
  /**
   * @default - none
   */
  readonly streamConsumers?: readonly StreamConsumer[];
  /**
   * @default - none
   */
  readonly queueConsumers?: readonly QueueConsumer[];
  /**
   * @default - none
   */
  readonly scheduledJobs?: readonly ScheduledJob[];
  /**
   * Interval overrides in seconds, keyed by a job's `intervalSetting`.
   * @default - each job's defaultIntervalSeconds
   */
  readonly scheduleIntervals?: Readonly<Record<string, number>>;
  /**
   * Keep failed stream batches when the stack goes away.
   * @default false
   */
  readonly retain?: boolean;
  /**
   * Concurrency reserved for each consumer; SQS sources are capped at it too, so the poller
   * never invokes more than the function may run (throttled messages would count as receives).
   * @default - none
   */
  readonly reservedConcurrency?: number;
}

/**
 * Queue consumers must finish well inside the queue's visibility timeout, or messages run twice:
 * AWS asks for a visibility of at least 6× the function timeout (the queues have 60 s).
 */
export const QUEUE_CONSUMER_TIMEOUT = Duration.seconds(10);

/**
 * The event-driven functions from lib/consumers.ts: table-stream consumers, SQS queue consumers
 * and scheduled jobs, each one function from the shared factory with its event source.
 *
 * A nested stack of its own, as the route functions have theirs (lib/constructs/http-api.ts):
 * a consumer costs about 11 resources (function, log group, version, alias, role, policy, event
 * source or schedule, alarms, deployment group), which the parent stack cannot keep finding
 * room for under CloudFormation's 500. The table and the queues they read stay in the parent,
 * as does the dashboard; the consumers' alarms and deployment groups come here with them.
 */
export class EventConsumers extends NestedStack {
  /** The consumer and job functions, by their id in lib/consumers.ts. */
  readonly functions = new Map<string, NodejsFunction>();
  /** Where stream batches go after their retries run out; created with the first stream consumer. */
  private streamFailures?: Queue;

  constructor(scope: Construct, id: string, private readonly props: EventConsumersProps) {
    super(scope, id, { description: 'Crowdstart event consumers: table-stream and queue consumers, scheduled jobs' });
    for (const consumer of props.streamConsumers ?? []) this.addStreamConsumer(consumer);
    for (const consumer of props.queueConsumers ?? []) this.addQueueConsumer(consumer);
    for (const job of props.scheduledJobs ?? []) this.addScheduledJob(job);
  }

  /** A consumer of the table's stream: retried, halved on error, and parked in an SQS DLQ at last. */
  addStreamConsumer(consumer: StreamConsumer): void {
    const fn = this.props.functions.create(this, `${consumer.id}Function`, {
      module: consumer.handler,
      uses: consumer.uses,
      ownRole: true,
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: this.props.reservedConcurrency,
    });
    this.functions.set(consumer.id, fn);
    this.props.functions.aliasOf(fn).addEventSource(
      new DynamoEventSource(this.props.table, {
        // From the oldest record still in the stream, so a redeploy never skips changes.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: consumer.batchSize ?? 100,
        ...(consumer.batchingWindowSeconds ? { maxBatchingWindow: Duration.seconds(consumer.batchingWindowSeconds) } : {}),
        retryAttempts: 5,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(this.streamFailureQueue()),
      }),
    );
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The stream event source needs dynamodb:ListStreams, which has no resource-level permissions',
    });
  }

  /** A consumer of one of the stack's queues; it reports per-message failures so one bad message doesn't retry the batch. */
  addQueueConsumer(consumer: QueueConsumer): void {
    const { queue, definition } = this.props.queues.get(consumer.queue);
    const fn = this.props.functions.create(this, `${consumer.id}Function`, {
      module: consumer.handler,
      uses: consumer.uses,
      ownRole: true,
      timeout: consumer.timeoutSeconds ? Duration.seconds(consumer.timeoutSeconds) : QUEUE_CONSUMER_TIMEOUT,
      // Its own queue's URL, for ChangeMessageVisibility (the consume grant below covers it; no send grant).
      environment: { [definition.urlEnvVar]: queue.queueUrl },
      reservedConcurrentExecutions: this.props.reservedConcurrency,
    });
    this.functions.set(consumer.id, fn);
    this.props.functions.aliasOf(fn).addEventSource(
      new SqsEventSource(queue, {
        batchSize: consumer.batchSize ?? 10,
        reportBatchItemFailures: true,
        maxConcurrency: this.props.reservedConcurrency,
      }),
    );
  }

  /** A function run at a fixed rate by EventBridge Scheduler; the interval is also passed as its env var. */
  addScheduledJob(job: ScheduledJob): void {
    const seconds = this.props.scheduleIntervals?.[job.intervalSetting] ?? job.defaultIntervalSeconds;
    // Scheduler rates are whole minutes; round up so a job never runs more often than asked.
    const minutes = Math.max(1, Math.ceil(seconds / 60));
    const fn = this.props.functions.create(this, `${job.id}Function`, {
      module: job.handler,
      uses: job.uses,
      ownRole: true,
      timeout: Duration.seconds(Math.min(60 * minutes, 300)),
      environment: { [job.intervalSetting]: String(minutes * 60) },
      reservedConcurrentExecutions: this.props.reservedConcurrency,
    });
    this.functions.set(job.id, fn);
    new Schedule(this, `${job.id}Schedule`, {
      schedule: ScheduleExpression.rate(Duration.minutes(minutes)),
      // No retries: the next run is at most minutes away, and a retry could overlap it.
      target: new LambdaInvoke(this.props.functions.aliasOf(fn), { retryAttempts: 0 }),
      description: `${job.id} every ${minutes} min`,
    });
  }

  private streamFailureQueue(): Queue {
    if (this.streamFailures) return this.streamFailures;
    this.streamFailures = new Queue(this, 'StreamFailuresQueue', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: this.props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.streamFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'It is the dead-letter destination of the stream consumers itself; nothing consumes it but an operator',
    });
    new Alarm(this, 'StreamFailuresAlarm', {
      alarmDescription: 'A table-stream batch exhausted its retries and was parked in the stream failures queue',
      metric: this.streamFailures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    return this.streamFailures;
  }
}
