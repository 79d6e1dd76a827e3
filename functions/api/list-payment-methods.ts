import { getStripeCustomerId } from '../adapters/dynamodb/customer-repository';
import { listPaymentMethods } from '../adapters/stripe';
import { customerRoutes } from '../contract/customers';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * GET /me/payment-methods: the caller's saved cards, newest first, `{ items, nextCursor }`.
 * A customer who never saved a card has no Stripe customer yet, and reading does not make one.
 */
export const handler = apiHandler(routeSpec('list-payment-methods', customerRoutes['list-payment-methods']), async (req) => {
  const stripeCustomerId = await getStripeCustomerId(req.caller.sub);
  if (!stripeCustomerId) return ok({ items: [], nextCursor: null });
  return ok(await listPaymentMethods(stripeCustomerId, req.query));
});
