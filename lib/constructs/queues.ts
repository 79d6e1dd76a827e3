import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QUEUES, type QueueDefinition, type QueueId } from '../consumers';

/** Properties of {@link Queues}. */
export interface QueuesProps {
  /**
   * The queues to create, each with a DLQ.
   * @default QUEUES from lib/consumers.ts
   */
  readonly definitions?: readonly QueueDefinition[];
  /**
   * Keep undelivered messages when the stack goes away.
   * @default false
   */
  readonly retain?: boolean;
}

/** A work queue and the dead-letter queue that takes what its consumer keeps failing on. */
export interface QueuePair {
  readonly definition: QueueDefinition;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
}

/** DLQs keep messages for the SQS maximum, so a failure found after a long weekend can still be redriven. */
const DLQ_RETENTION = Duration.days(14);
/**
 * Work queues keep theirs as long (the SQS default is 4 days): a merchant integration offline
 * over a long weekend still finds every order event, and the age alarm has long fired by then.
 */
const QUEUE_RETENTION = Duration.days(14);

/**
 * The stack's SQS queues from lib/consumers.ts (fulfillment task tokens, Stripe webhook events,
 * order events for merchants), each with a DLQ and an alarm that fires on the first dead letter.
 */
export class Queues extends Construct {
  private readonly pairs = new Map<QueueId, QueuePair>();

  constructor(scope: Construct, id: string, props: QueuesProps = {}) {
    super(scope, id);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    for (const definition of props.definitions ?? QUEUES) {
      const deadLetterQueue = new Queue(this, `${definition.id}DeadLetterQueue`, {
        retentionPeriod: DLQ_RETENTION,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy,
      });
      const queue = new Queue(this, `${definition.id}Queue`, {
        visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
        retentionPeriod: QUEUE_RETENTION,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
        removalPolicy,
      });
      new Alarm(this, `${definition.id}DeadLettersAlarm`, {
        alarmDescription: `Messages of the ${definition.id} queue failed ${definition.maxReceiveCount} times and sit in its DLQ`,
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      this.pairs.set(definition.id, { definition, queue, deadLetterQueue });
    }
  }

  /** The queue pair with this id; throws when lib/consumers.ts does not define it. */
  get(id: QueueId): QueuePair {
    const pair = this.pairs.get(id);
    if (!pair) throw new Error(`Queue ${id} is not defined in lib/consumers.ts QUEUES`);
    return pair;
  }

  /** Every queue pair, in definition order. */
  all(): QueuePair[] {
    return [...this.pairs.values()];
  }
}
