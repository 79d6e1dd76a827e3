import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { getProfile } from '../adapters/dynamodb/customer-repository';
import { createSetupIntent, ensureCustomer, listPaymentMethods, PaymentRequestRejected, type SetupResult } from '../adapters/stripe';
import { customerRoutes } from '../contract/customers';
import { CardDeclined, setupIdempotencyKey } from '../domain/customer';
import { ValidationFailed } from '../domain/errors';
import { apiHandler, created, routeSpec, type ApiResponse } from '../shared/http';

/**
 * POST /me/payment-methods `{ paymentMethodId, returnUrl? }`: saves the card on the caller's
 * Stripe customer (made on first use) with a confirmed SetupIntent. 201 with the saved card,
 * whose id is Stripe's new `pm_…`; 202 with the SetupIntent when 3-D Secure must happen first;
 * 402 CARD_DECLINED when the issuer refuses the card.
 */
export const handler = apiHandler(routeSpec('create-payment-method', { ...customerRoutes['create-payment-method'], idempotencyStore }), async (req) => {
  const customerId = req.caller.sub;
  const { email, name } = await getProfile(customerId);
  const stripeCustomerId = await ensureCustomer(customerId, { email, name });
  const requestKey = req.event.headers?.['idempotency-key'];
  const setup = await createSetupIntent({
    stripeCustomerId,
    paymentMethodId: req.body.paymentMethodId,
    returnUrl: req.body.returnUrl,
    idempotencyKey: requestKey ? setupIdempotencyKey(customerId, requestKey) : undefined,
  }).catch((error: unknown) => {
    // Unknown, spent or someone else's card: say which field, not what Stripe knows about it.
    if (error instanceof PaymentRequestRejected) {
      throw new ValidationFailed([{ in: 'body', path: 'paymentMethodId', message: 'This payment method cannot be saved' }]);
    }
    throw error;
  });
  return respond(setup, stripeCustomerId);
});

async function respond(setup: SetupResult, stripeCustomerId: string): Promise<ApiResponse> {
  if (setup.status === 'succeeded') {
    // The newest card of the customer, just attached: the first page always holds it.
    const { items } = await listPaymentMethods(stripeCustomerId, { limit: 100 });
    const card = items.find((item) => item.id === setup.paymentMethodId);
    if (!card) throw new Error(`Saved card ${setup.paymentMethodId} is missing from its customer's list`);
    return created(card, `/me/payment-methods/${card.id}`);
  }
  if (setup.status === 'failed') throw new CardDeclined(setup.message, setup.declineCode);
  return { statusCode: 202, body: setup }; // { status: 'requires_action', setupIntentId, clientSecret, redirectUrl? }
}
