import type Stripe from 'stripe';
import type { IntentSummary } from '../../domain/audit';
import { stripeClient } from './client';
import { toPaymentError } from './errors';

/**
 * The reads of the payment reconciler: the account's PaymentIntents created in a window (the list
 * filtered by `created[gte]`, newest first, auto-paginated; the list is exact and immediate, where
 * Search's index lags by up to a minute), and one intent by id for an order outside that list.
 */
export async function listPaymentIntentsSince(sinceUnixSeconds: number): Promise<IntentSummary[]> {
  const stripe = await stripeClient();
  const found: IntentSummary[] = [];
  try {
    for await (const intent of stripe.paymentIntents.list({ created: { gte: sinceUnixSeconds }, limit: 100 })) found.push(summaryOf(intent));
    return found;
  } catch (error) {
    throw toPaymentError(error);
  }
}

/** The intent, or undefined when Stripe has none of that id. */
export async function findPaymentIntent(paymentIntentId: string): Promise<IntentSummary | undefined> {
  const stripe = await stripeClient();
  try {
    return summaryOf(await stripe.paymentIntents.retrieve(paymentIntentId));
  } catch (error) {
    if ((error as { code?: string }).code === 'resource_missing') return undefined;
    throw toPaymentError(error);
  }
}

function summaryOf(intent: Stripe.PaymentIntent): IntentSummary {
  return { id: intent.id, status: intent.status, amount: intent.amount, ...(intent.metadata?.orderId ? { orderId: intent.metadata.orderId } : {}) };
}
