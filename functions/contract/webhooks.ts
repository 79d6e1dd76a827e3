/** Merchant webhooks: endpoints that receive signed order events, and their deliveries. */
import * as z from '../shared/zod';
import { createWebhookSchema, WEBHOOK_EVENT_TYPES, webhookDeliveryParamsSchema, webhookListQuerySchema, webhookParamsSchema } from '../domain/webhook';
import { page, routes, timestamp } from './route';

export const webhookSchema = z.withMeta(
  z.object({ id: z.string(), url: z.string(), events: z.array(z.enum(WEBHOOK_EVENT_TYPES)), createdAt: timestamp }),
  { id: 'WebhookEndpoint' },
);

export const createdWebhookSchema = z.withMeta(
  z.extend(webhookSchema, { secret: z.withMeta(z.string(), { description: 'Signs every delivery (crowdstart-signature); shown in this answer only' }) }),
  { id: 'CreatedWebhookEndpoint' },
);

export const deliverySchema = z.withMeta(
  z.object({
    id: z.string(),
    eventId: z.string(),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    status: z.enum(['pending', 'delivered', 'failing']),
    createdAt: timestamp,
    attempts: z.array(
      z.object({
        at: timestamp,
        statusCode: z.withMeta(z.optional(z.number().check(z.int())), { description: "The endpoint's answer; absent when none came" }),
        latencyMs: z.number(),
        error: z.optional(z.string()),
        replay: z.optional(z.boolean()),
      }),
    ),
  }),
  { id: 'WebhookDelivery' },
);

export const webhookRoutes = routes({
  'create-webhook': {
    summary: 'Registers an endpoint for order events; the answer holds its signing secret, once',
    body: createWebhookSchema,
    responses: { 201: { schema: createdWebhookSchema, description: 'Created', location: true } },
    errors: { 400: ['WEBHOOK_URL_REFUSED'] },
  },
  'list-webhooks': {
    summary: "The stage's webhook endpoints, without their secrets",
    responses: { 200: page(webhookSchema) },
  },
  'delete-webhook': {
    summary: 'Removes an endpoint: no more deliveries to it',
    params: webhookParamsSchema,
    responses: { 204: null },
    errors: { 404: ['NOT_FOUND'] },
  },
  'list-webhook-deliveries': {
    summary: "An endpoint's deliveries, newest first, with every attempt",
    params: webhookParamsSchema,
    query: webhookListQuerySchema,
    responses: { 200: page(deliverySchema) },
    errors: { 404: ['NOT_FOUND'] },
  },
  'replay-webhook-delivery': {
    summary: "Sends a delivery's event again: same event id, fresh signature",
    params: webhookDeliveryParamsSchema,
    responses: { 202: { schema: z.object({ deliveryId: z.string(), eventId: z.string() }), description: 'Queued for delivery' } },
    errors: { 404: ['NOT_FOUND'] },
  },
});
