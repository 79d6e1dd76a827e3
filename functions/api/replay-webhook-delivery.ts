import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { webhookRoutes } from '../contract/webhooks';
import { getDelivery, getEndpoint } from '../adapters/dynamodb/webhook-repository';
import { sendJson } from '../adapters/sqs/client';
import type { DeliveryMessage } from '../application/webhook-deliveries';
import { NotFound } from '../domain/errors';
import { apiHandler, routeSpec } from '../shared/http';

/**
 * POST /admin/webhooks/{id}/deliveries/{deliveryId}/replay: sends the delivery's event again,
 * with the same event id and a fresh signature, delivered or not; retried like any delivery.
 * 202 `{ deliveryId, eventId }`; the attempt shows in the deliveries list, marked `replay`.
 */
export const handler = apiHandler(routeSpec('replay-webhook-delivery', { ...webhookRoutes['replay-webhook-delivery'], idempotencyStore }), async (req) => {
  const { id, deliveryId } = req.params;
  const [endpoint, delivery] = await Promise.all([getEndpoint(id), getDelivery(id, deliveryId)]);
  if (!endpoint || !delivery) throw new NotFound('Webhook delivery', `${id}/${deliveryId}`);
  const message: DeliveryMessage = { endpointId: id, deliveryId, event: delivery.event, replay: true };
  await sendJson('WebhookDeliveries', { body: message });
  return { statusCode: 202, body: { deliveryId, eventId: delivery.eventId } };
});
