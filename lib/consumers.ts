/**
 * The event-driven functions, written once and read by the CDK stack (event-source mappings,
 * schedules, queues) and by the local stack (lib/local/event-sources.ts polls the same sources
 * and invokes the same handler modules).
 *
 * `handler` names a module under functions/ (e.g. 'queue/search-indexer') exporting `handler`.
 */
import type { RouteResource } from './routes';

/** An SQS queue of the stack; each gets a DLQ that takes a message after `maxReceiveCount` failures. */
export interface QueueDefinition {
  readonly id: QueueId;
  /** The env var that hands the queue URL to the functions that send to it. */
  readonly urlEnvVar: string;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

export type QueueId = 'Fulfillment' | 'StripeWebhooks' | 'OrderEvents';

/**
 * Fulfillment: task-token messages for the merchant (the workflow waits on them).
 * StripeWebhooks: verified webhook events, processed once by our consumer.
 * OrderEvents: every order status change, for merchant integrations to consume.
 */
export const QUEUES: readonly QueueDefinition[] = [
  { id: 'Fulfillment', urlEnvVar: 'FULFILLMENT_QUEUE_URL', visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  { id: 'StripeWebhooks', urlEnvVar: 'WEBHOOK_QUEUE_URL', visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  { id: 'OrderEvents', urlEnvVar: 'ORDER_EVENTS_QUEUE_URL', visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
];

/** A consumer of the table's NEW_AND_OLD_IMAGES stream. */
export interface StreamConsumer {
  readonly id: string;
  readonly handler: string;
  readonly uses: readonly RouteResource[];
  readonly batchSize?: number;
}

/** A consumer of one of the stack's SQS queues (each queue has a DLQ). */
export interface QueueConsumer {
  readonly id: string;
  readonly handler: string;
  readonly queue: QueueId;
  readonly uses: readonly RouteResource[];
  readonly batchSize?: number;
}

/** A function run on a fixed rate (EventBridge Scheduler on AWS, a timer locally). */
export interface ScheduledJob {
  readonly id: string;
  readonly handler: string;
  readonly uses: readonly RouteResource[];
  /** Name of the setting (env var locally) that holds the interval in seconds, and its default. */
  readonly intervalSetting: string;
  readonly defaultIntervalSeconds: number;
}

export const STREAM_CONSUMERS: readonly StreamConsumer[] = [];

export const QUEUE_CONSUMERS: readonly QueueConsumer[] = [];

export const SCHEDULED_JOBS: readonly ScheduledJob[] = [];
