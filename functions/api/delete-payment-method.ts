import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import * as z from 'zod';
import { getStripeCustomerId } from '../adapters/dynamodb/customer-repository';
import { detachPaymentMethod } from '../adapters/stripe';
import { resourceId } from '../domain/customer';
import { NotFound } from '../domain/errors';
import { apiHandler, noContent, routeSpec } from '../shared/http';

/** DELETE /me/payment-methods/{id}: detaches one of the caller's saved cards; 404 for anyone else's. */
export const handler = apiHandler(routeSpec('delete-payment-method', { idempotencyStore, params: z.object({ id: resourceId }) }), async (req) => {
  const stripeCustomerId = await getStripeCustomerId(req.caller.sub);
  if (!stripeCustomerId) throw new NotFound('Payment method', req.params.id);
  await detachPaymentMethod(stripeCustomerId, req.params.id);
  return noContent();
});
