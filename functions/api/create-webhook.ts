import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { webhookRoutes } from '../contract/webhooks';
import { createEndpoint } from '../adapters/dynamodb/webhook-repository';
import { assertResolvesPublic } from '../adapters/webhooks/sender';
import { checkUrlSyntax, newWebhookId, newWebhookSecret, webhookView } from '../domain/webhook';
import { env } from '../shared/env';
import { apiHandler, created, routeSpec } from '../shared/http';

/**
 * POST /admin/webhooks { url, events }: registers an endpoint for these order events. 201 with
 * `{ id, url, events, secret }`: the signing secret is shown here and never again. A URL the
 * stage's policy refuses (http, or a private address on production) is 400 WEBHOOK_URL_REFUSED.
 */
export const handler = apiHandler(routeSpec('create-webhook', { ...webhookRoutes['create-webhook'], idempotencyStore }), async (req) => {
  const policy = env.webhookUrlPolicy;
  const url = checkUrlSyntax(req.body.url, policy);
  await assertResolvesPublic(url, policy);
  const endpoint = { id: newWebhookId(), url: url.href, events: [...new Set(req.body.events)], secret: newWebhookSecret(), createdAt: new Date().toISOString() };
  await createEndpoint(endpoint);
  return created({ ...webhookView(endpoint), secret: endpoint.secret }, `/admin/webhooks/${endpoint.id}`);
});
