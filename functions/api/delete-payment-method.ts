import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { getStripeCustomerId } from '../adapters/dynamodb/customer-repository';
import { detachPaymentMethod } from '../adapters/stripe';
import { customerRoutes } from '../contract/customers';
import { NotFound } from '../domain/errors';
import { apiHandler, noContent, routeSpec } from '../shared/http';

/** DELETE /me/payment-methods/{id}: detaches one of the caller's saved cards; 404 for anyone else's. */
export const handler = apiHandler(routeSpec('delete-payment-method', { ...customerRoutes['delete-payment-method'], idempotencyStore }), async (req) => {
  const stripeCustomerId = await getStripeCustomerId(req.caller.sub);
  if (!stripeCustomerId) throw new NotFound('Payment method', req.params.id);
  await detachPaymentMethod(stripeCustomerId, req.params.id);
  return noContent();
});
