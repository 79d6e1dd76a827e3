import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { webhookRoutes } from '../contract/webhooks';
import { deleteEndpoint } from '../adapters/dynamodb/webhook-repository';
import { apiHandler, noContent, routeSpec } from '../shared/http';

/** DELETE /admin/webhooks/{id}: no more deliveries to it (those under way are dropped); 404 if unknown. */
export const handler = apiHandler(routeSpec('delete-webhook', { ...webhookRoutes['delete-webhook'], idempotencyStore }), async (req) => {
  await deleteEndpoint(req.params.id);
  return noContent();
});
