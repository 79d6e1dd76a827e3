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

export type QueueId = 'Fulfillment' | 'StripeWebhooks' | 'OrderEvents' | 'WebhookDeliveries';

/**
 * Fulfillment: task-token messages for the merchant (the workflow waits on them).
 * StripeWebhooks: verified webhook events, processed once by our consumer.
 * OrderEvents: every order status change, for merchant integrations to consume.
 * WebhookDeliveries: one message per (order event, merchant endpoint), sent until the endpoint
 * answers 2xx. A failed attempt hides its message for the backoff (30 s doubling to 1 h, see
 * functions/domain/webhook.ts), so SQS itself counts the attempts: WEBHOOK_DELIVERY_ATTEMPTS
 * receives span the 24 h retry window, then the message goes to the DLQ and its alarm.
 */
/** Attempts of a webhook delivery within 24 h (attemptsWithin in functions/domain/webhook.ts; a unit test ties the two). */
export const WEBHOOK_DELIVERY_ATTEMPTS = 30;
/** A delivery waits up to 10 s for each endpoint; its consumer takes longer than the others. */
const WEBHOOK_CONSUMER_TIMEOUT_SECONDS = 30;

export const QUEUES: readonly QueueDefinition[] = [
  { id: 'Fulfillment', urlEnvVar: 'FULFILLMENT_QUEUE_URL', visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  { id: 'StripeWebhooks', urlEnvVar: 'WEBHOOK_QUEUE_URL', visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  { id: 'OrderEvents', urlEnvVar: 'ORDER_EVENTS_QUEUE_URL', visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  {
    id: 'WebhookDeliveries',
    urlEnvVar: 'WEBHOOK_DELIVERIES_QUEUE_URL',
    visibilityTimeoutSeconds: 6 * WEBHOOK_CONSUMER_TIMEOUT_SECONDS,
    maxReceiveCount: WEBHOOK_DELIVERY_ATTEMPTS,
  },
];

/**
 * The Stripe events our webhook endpoint is enabled for: exactly the ones
 * queue/process-stripe-webhooks acts on (its outcomes are typed over this list), so the local
 * Stripe server sends these and no others, as the endpoint configured in README.md does.
 */
export const STRIPE_WEBHOOK_EVENTS = ['payment_intent.succeeded', 'payment_intent.payment_failed'] as const;
export type StripeWebhookEvent = (typeof STRIPE_WEBHOOK_EVENTS)[number];

/** A consumer of the table's NEW_AND_OLD_IMAGES stream. */
export interface StreamConsumer {
  readonly id: string;
  readonly handler: string;
  readonly uses: readonly RouteResource[];
  readonly batchSize?: number;
  /**
   * How long Lambda gathers a shard's records before invoking (MaximumBatchingWindowInSeconds).
   * With none it invokes at each of its four polls a second that found a record: at a merchant's
   * average of a few records a second, every consumer for nearly every record (`npm run cost`,
   * Lambda requests and their log lines). The local poller delivers at once.
   * @default 0
   */
  readonly batchingWindowSeconds?: number;
}

/** What the stream consumers may lag behind a write: none of them is on a path a customer waits on. */
const STREAM_BATCHING_WINDOW_SECONDS = 5;

/** A consumer of one of the stack's SQS queues (each queue has a DLQ). */
export interface QueueConsumer {
  readonly id: string;
  readonly handler: string;
  readonly queue: QueueId;
  readonly uses: readonly RouteResource[];
  readonly batchSize?: number;
  /** @default 10 (QUEUE_CONSUMER_TIMEOUT); the queue's visibility timeout must be 6× it */
  readonly timeoutSeconds?: number;
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

export const STREAM_CONSUMERS: readonly StreamConsumer[] = [
  // Product INSERT/MODIFY/REMOVE: rewrites that product's search index items (GET /search)
  { id: 'SearchIndexer', handler: 'queue/search-indexer', uses: ['table:read', 'table:write'], batchSize: 100, batchingWindowSeconds: STREAM_BATCHING_WINDOW_SECONDS },
  // The stock stream: TTL deletions of cart holds the sweeper had not reached return their units,
  // at most once; and every stock record change becomes one ledger entry (keyed by its stream record). One
  // function for both (same grants), which keeps the parent stack's resources for growth.
  { id: 'ReleaseExpiredHolds', handler: 'queue/stock-stream', uses: ['table:read', 'table:write'], batchSize: 100, batchingWindowSeconds: STREAM_BATCHING_WINDOW_SECONDS },
  // Order INSERTs: starts each order's workflow, so no committed checkout is left without one
  // (checkout starts it itself: this is the backstop, so a window's delay costs nothing)
  { id: 'StartOrderWorkflows', handler: 'queue/start-order-workflows', uses: ['table:read', 'workflow:start'], batchSize: 20, batchingWindowSeconds: STREAM_BATCHING_WINDOW_SECONDS },
  // Order status changes: published to the OrderEvents queue for merchant integrations, and one
  // WebhookDeliveries message per merchant endpoint subscribed to the event
  {
    id: 'PublishOrderEvents',
    handler: 'queue/publish-order-events',
    uses: ['table:read', 'order-events-queue', 'webhook-deliveries-queue'],
    batchSize: 100,
    batchingWindowSeconds: STREAM_BATCHING_WINDOW_SECONDS,
  },
];

export const QUEUE_CONSUMERS: readonly QueueConsumer[] = [
  // Task tokens of orders awaiting fulfillment, kept on the order for the admin fulfillment route
  { id: 'RecordFulfillmentRequest', handler: 'queue/record-fulfillment-request', queue: 'Fulfillment', uses: ['table:read', 'table:write'] },
  // Verified Stripe webhook events, each handled once: resumes orders waiting for 3-D Secure, or
  // settles them directly once their execution ended (a failed outcome cancels the intent: Stripe)
  { id: 'ProcessStripeWebhooks', handler: 'queue/process-stripe-webhooks', queue: 'StripeWebhooks', uses: ['table:read', 'table:write', 'workflow:callback', 'workflow:read', 'stripe'] },
  // Signed order events to merchant endpoints: records each attempt, backs off on failure
  {
    id: 'DeliverWebhooks',
    handler: 'queue/deliver-webhooks',
    queue: 'WebhookDeliveries',
    uses: ['table:read', 'table:write'],
    batchSize: 5,
    timeoutSeconds: WEBHOOK_CONSUMER_TIMEOUT_SECONDS,
  },
];

export const SCHEDULED_JOBS: readonly ScheduledJob[] = [
  // Releases expired cart holds within one interval; correctness never waits for TTL deletion
  {
    id: 'SweepHolds',
    handler: 'queue/sweep-holds',
    uses: ['table:read', 'table:write', 'table:index'],
    intervalSetting: 'SWEEP_INTERVAL_SECONDS',
    defaultIntervalSeconds: 60,
  },
  // Recomputes held, reserved and sold from carts and orders and checks them against the counters
  {
    id: 'AuditStock',
    handler: 'queue/audit-stock',
    uses: ['table:read', 'table:write', 'table:index'],
    intervalSetting: 'STOCK_AUDIT_INTERVAL_SECONDS',
    defaultIntervalSeconds: 3600,
  },
  // Squares the last day's Stripe PaymentIntents with the orders: settles or refunds, else alarms
  {
    id: 'ReconcilePayments',
    handler: 'queue/reconcile-payments',
    uses: ['table:read', 'table:write', 'table:index', 'stripe', 'workflow:callback', 'workflow:read'],
    intervalSetting: 'PAYMENT_RECONCILE_INTERVAL_SECONDS',
    defaultIntervalSeconds: 900,
  },
];
