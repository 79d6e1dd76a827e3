/**
 * Consumer of the StripeWebhooks queue (events verified by POST /webhooks/stripe). Each Stripe
 * event id is handled once: claimed before handling, recorded done after, released on failure
 * so a redelivery retries it. payment_intent.succeeded / payment_intent.payment_failed settle an
 * order still waiting for its payment (the `settle` action, domain/order.ts routeOrderAction):
 * they resume the workflow's authentication wait (3-D Secure) or, once no execution drives the
 * order any more (it gave up on the order, or was stopped), apply the outcome directly: PAID with
 * the stock sold, or PAYMENT_FAILED with it released. Every other event is recorded and ignored.
 * A message that cannot be handled yet (the charge under way, its wait not recorded) is reported
 * failed: SQS redelivers it.
 */
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { StripeWebhookEvent } from '../../lib/consumers';
import { claimStripeEvent, completeStripeEvent, releaseStripeEvent } from '../adapters/dynamodb/order-repository';
import type { PaymentSettlement } from '../application/order-payments';
import { settleOrderPayment } from '../application/payment-settlement';
import { logger } from '../shared/logger';
import { countBusinessEvent } from '../shared/business-events';
import { correlationIdOf, observedHandler } from '../shared/observability';

/** The part of a Stripe event this consumer reads. */
interface StripeEventMessage {
  readonly id: string;
  readonly type: string;
  /** When Stripe created the event (Unix seconds): the webhook lag runs from here. */
  readonly created?: number;
  readonly data: { readonly object: PaymentIntentLike };
}

interface PaymentIntentLike {
  readonly id: string;
  readonly metadata?: Record<string, string>;
  readonly last_payment_error?: { readonly code?: string; readonly decline_code?: string } | null;
}

/** What each event the endpoint is enabled for means for the payment (typed over lib/consumers.ts's list). */
const OUTCOMES: Record<StripeWebhookEvent, 'succeeded' | 'failed'> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
};
/** The workflow records its token a moment after Stripe answers: wait that long (3 s) before giving the message back. */
const TOKEN_WAIT_ATTEMPTS = 6;
const RETRY = 'retry';

/**
 * The records run concurrently, so each names its order's correlation id (the message attribute)
 * on its own log lines rather than through the invocation's logger keys.
 */
export const handler = observedHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await Promise.all(
    event.Records.map(async (record): Promise<SQSBatchItemFailure[]> => {
      const { messageId, body } = record;
      const correlationId = correlationIdOf(record);
      try {
        return (await processOnce(JSON.parse(body) as StripeEventMessage, correlationId)) ? [] : [{ itemIdentifier: messageId }];
      } catch (error) {
        logger.error('Stripe event failed; it will be redelivered', { messageId, correlation_id: correlationId, error: error as Error });
        return [{ itemIdentifier: messageId }];
      }
    }),
  );
  return { batchItemFailures: results.flat() };
});

/** True when the event is handled (now or before); false to have it redelivered. */
async function processOnce(event: StripeEventMessage, correlationId: string | undefined): Promise<boolean> {
  const claim = await claimStripeEvent(event.id, event.type);
  if (claim !== 'claimed') return claim === 'done';
  let outcome: string;
  try {
    outcome = await handleEvent(event);
  } catch (error) {
    await releaseStripeEvent(event.id);
    throw error;
  }
  if (outcome === RETRY) {
    await releaseStripeEvent(event.id);
    return false;
  }
  await completeStripeEvent(event.id, outcome);
  logger.info('Stripe event handled', { eventId: event.id, type: event.type, outcome, correlation_id: correlationId });
  if (event.created) countBusinessEvent('webhookLagMs', { value: Date.now() - event.created * 1000, correlationId });
  return true;
}

/** What was done about the event, or RETRY when the order is not ready for it yet. */
async function handleEvent(event: StripeEventMessage): Promise<string> {
  if (!Object.hasOwn(OUTCOMES, event.type)) return 'ignored';
  const outcome = OUTCOMES[event.type as StripeWebhookEvent];
  const intent = event.data.object;
  const declineCode = intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code;
  const settlement: PaymentSettlement = { paymentIntentId: intent.id, outcome, ...(outcome === 'failed' && declineCode ? { declineCode } : {}) };
  const done = await settleOrderPayment(settlement, intent.metadata?.orderId, TOKEN_WAIT_ATTEMPTS);
  return done === 'busy' ? RETRY : done;
}
