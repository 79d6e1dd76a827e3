import Stripe from 'stripe';
import { webhookSigningSecret } from './config';
import { InvalidWebhookSignature } from './errors';

/** Stripe's own default: a signature older than five minutes is refused (replay protection). */
const TOLERANCE_SECONDS = 300;

/**
 * Verifies a webhook's `Stripe-Signature` against the signing secret and returns the event.
 * `payload` must be the raw request body, byte for byte: re-serialized JSON does not verify.
 * Async because on AWS the signing secret is read from its own Secrets Manager secret on first use.
 */
export async function verifyWebhook(payload: string, signatureHeader: string): Promise<Stripe.Event> {
  const webhookSecret = await webhookSigningSecret();
  try {
    return Stripe.webhooks.constructEvent(payload, signatureHeader, webhookSecret, TOLERANCE_SECONDS);
  } catch (error) {
    throw new InvalidWebhookSignature(error);
  }
}
