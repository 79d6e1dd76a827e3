import { listEndpoints } from '../adapters/dynamodb/webhook-repository';
import { webhookView } from '../domain/webhook';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /admin/webhooks: every endpoint of the stage (a handful), without secrets, `{ items, nextCursor: null }`. */
export const handler = apiHandler(routeSpec('list-webhooks'), async () => {
  const endpoints = await listEndpoints();
  return ok({ items: endpoints.map(webhookView), nextCursor: null });
});
