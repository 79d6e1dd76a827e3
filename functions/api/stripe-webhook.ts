import { sendJson } from '../adapters/sqs/client';
import { verifyWebhook } from '../adapters/stripe/webhooks';
import { PLAIN_REQUESTS } from '../contract/plain';
import { apiHandler, ok, routeSpec, type ApiEvent } from '../shared/http';
import { CORRELATION_ATTRIBUTE } from '../shared/observability';

/**
 * POST /webhooks/stripe: verifies the `Stripe-Signature` over the raw body (unsigned, tampered
 * or stale → 400 INVALID_SIGNATURE), queues the event for queue/process-stripe-webhooks and
 * answers 200 at once, so Stripe never waits on (or retries because of) our processing.
 */
export const handler = apiHandler(routeSpec('stripe-webhook', PLAIN_REQUESTS['stripe-webhook']), async (req) => {
  const event = await verifyWebhook(rawBodyOf(req.event), req.event.headers['stripe-signature'] ?? '');
  // The order's correlation id comes back in its PaymentIntent's metadata; other events keep this request's.
  await sendJson('StripeWebhooks', { body: event, correlationId: correlationIdIn(event) ?? req.requestId });
  return ok({ received: true, id: event.id });
});

function correlationIdIn(event: { data: { object: unknown } }): string | undefined {
  const metadata = (event.data.object as { metadata?: Record<string, string> | null }).metadata;
  return metadata?.[CORRELATION_ATTRIBUTE] || undefined;
}

/** The body exactly as Stripe signed it (API Gateway base64-encodes bodies it deems binary). */
function rawBodyOf(event: ApiEvent): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}
