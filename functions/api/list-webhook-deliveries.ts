import { webhookRoutes } from '../contract/webhooks';
import { getEndpoint, listDeliveries } from '../adapters/dynamodb/webhook-repository';
import { NotFound } from '../domain/errors';
import { deliveryView } from '../domain/webhook';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * GET /admin/webhooks/{id}/deliveries: the endpoint's deliveries, newest first, each with its
 * event id, status (pending, delivered, failing) and every attempt (status code, latency, at).
 */
export const handler = apiHandler(
  routeSpec('list-webhook-deliveries', webhookRoutes['list-webhook-deliveries']),
  async (req) => {
    if (!(await getEndpoint(req.params.id))) throw new NotFound('Webhook', req.params.id);
    const page = await listDeliveries(req.params.id, req.query);
    return ok({ items: page.items.map(deliveryView), nextCursor: page.nextCursor });
  },
);
