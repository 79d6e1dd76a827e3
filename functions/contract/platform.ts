/** The platform's routes: health, client configuration, the Stripe webhook and this document. */
import * as z from '../shared/zod';
import { PLAIN_REQUESTS } from './plain';
import { routes } from './route';

const check = z.enum(['ok', 'unavailable']);
const checks = z.object({ dynamodb: check });

export const healthSchema = z.withMeta(z.object({ status: z.literal('ok'), checks }), { id: 'Health' });
export const unhealthySchema = z.withMeta(z.object({ status: z.literal('unavailable'), checks }), { id: 'Unhealthy' });

/** GET /config's answer; `stripePublishableKey` is null when the tenant has none set. */
export const clientConfigSchema = z.withMeta(
  z.object({ stripePublishableKey: z.withMeta(z.nullable(z.string().check(z.regex(/^pk_(test|live)_/))), { example: 'pk_test_…' }) }),
  { id: 'ClientConfig' },
);

export const platformRoutes = routes({
  'get-config': {
    summary: 'What a client needs before its first call: the Stripe publishable key',
    ...PLAIN_REQUESTS['get-config'],
    responses: { 200: clientConfigSchema },
  },
  health: {
    summary: 'Liveness and readiness: 200 while every dependency answers',
    responses: {
      200: healthSchema,
      503: { schema: unhealthySchema, description: 'A dependency does not answer; `checks` names it' },
    },
  },
  'stripe-webhook': {
    summary: 'Stripe events, verified by their Stripe-Signature, queued and processed once',
    description: 'Authenticated by the `Stripe-Signature` header over the raw body, not by a token. Stripe redelivers by event id, so no Idempotency-Key.',
    ...PLAIN_REQUESTS['stripe-webhook'],
    responses: { 200: z.object({ received: z.literal(true), id: z.withMeta(z.string(), { example: 'evt_1Q…' }) }) },
    errors: { 400: ['INVALID_SIGNATURE', 'MALFORMED_JSON'] },
  },
  openapi: {
    summary: 'This document: the HTTP contract as OpenAPI 3.1',
    ...PLAIN_REQUESTS.openapi,
    responses: { 200: z.withMeta(z.record(z.string(), z.unknown()), { id: 'OpenApiDocument', description: 'An OpenAPI 3.1 document' }) },
  },
});
