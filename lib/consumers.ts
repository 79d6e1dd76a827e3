/**
 * The event-driven functions, written once and read by the CDK stack (event-source mappings,
 * schedules, queues) and by the local stack (lib/local/event-sources.ts polls the same sources
 * and invokes the same handler modules).
 *
 * `handler` names a module under functions/ (e.g. 'queue/search-indexer') exporting `handler`.
 */
import type { RouteResource } from './routes';

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
  readonly queue: string;
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
