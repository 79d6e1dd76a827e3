/**
 * Consumer of the StripeWebhooks queue (events verified by POST /webhooks/stripe). Each Stripe
 * event id is handled once: claimed before handling, recorded done after, released on failure
 * so a redelivery retries it. payment_intent.succeeded / payment_intent.payment_failed resume
 * the workflow's authentication wait (3-D Secure); every other event is recorded and ignored.
 * A message that cannot be handled yet (token not recorded) is reported failed: SQS redelivers it.
 */
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StripeWebhookEvent } from '../../lib/consumers';
import {
  claimStripeEvent,
  completeStripeEvent,
  findOrderByPaymentIntent,
  releaseStripeEvent,
} from '../adapters/dynamodb/order-repository';
import { OrderNotWaiting, resumeWaitingOrder } from '../adapters/sfn/order-workflow';
import { WAITING_STATUS } from '../domain/order';
import { logger } from '../shared/logger';

/** The part of a Stripe event this consumer reads. */
interface StripeEventMessage {
  readonly id: string;
  readonly type: string;
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
/** The workflow records its token a moment after Stripe answers: wait that long before giving the message back. */
const TOKEN_WAIT_ATTEMPTS = 6;
const TOKEN_WAIT_MS = 500;
const RETRY = 'retry';

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await Promise.all(
    event.Records.map(async ({ messageId, body }): Promise<SQSBatchItemFailure[]> => {
      try {
        return (await processOnce(JSON.parse(body) as StripeEventMessage)) ? [] : [{ itemIdentifier: messageId }];
      } catch (error) {
        logger.error('Stripe event failed; it will be redelivered', { messageId, error: error as Error });
        return [{ itemIdentifier: messageId }];
      }
    }),
  );
  return { batchItemFailures: results.flat() };
};

/** True when the event is handled (now or before); false to have it redelivered. */
async function processOnce(event: StripeEventMessage): Promise<boolean> {
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
  logger.info('Stripe event handled', { eventId: event.id, type: event.type, outcome });
  return true;
}

/** What was done about the event, or RETRY when the order is not ready for it yet. */
async function handleEvent(event: StripeEventMessage): Promise<string> {
  if (!Object.hasOwn(OUTCOMES, event.type)) return 'ignored';
  const outcome = OUTCOMES[event.type as StripeWebhookEvent];
  const intent = event.data.object;
  for (let attempt = 1; attempt <= TOKEN_WAIT_ATTEMPTS; attempt++) {
    const order = await findOrderByPaymentIntent(intent.id, intent.metadata?.orderId);
    if (!order) return 'no-order';
    if (!WAITING_STATUS.authentication.includes(order.status)) return `ignored:${order.status}`;
    const token = order.tokens?.authentication;
    if (token) {
      const declineCode = intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code;
      try {
        await resumeWaitingOrder(token, { outcome, ...(outcome === 'failed' && declineCode ? { declineCode } : {}) });
        return `resumed:${order.id}`;
      } catch (error) {
        if (!(error instanceof OrderNotWaiting)) throw error; // else the wait moved on: read again
      }
    } else {
      await sleep(TOKEN_WAIT_MS); // PENDING: the charge is under way and its wait not recorded yet
    }
  }
  return RETRY;
}
