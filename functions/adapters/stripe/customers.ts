import { getStripeCustomerId, saveStripeCustomerId } from '../dynamodb/customer-repository';
import { stripeClient } from './client';
import { toPaymentError } from './errors';
import { withFreshKeys } from './idempotency';

/**
 * The Stripe customer behind one of our customers, created on first need. Idempotent twice over:
 * the create carries a key derived from our customer id (retries and racing first uses get the
 * same Stripe customer within Stripe's 24 h key retention), and the id is recorded on the profile
 * by a first-writer-wins write (so later calls find it instead of creating another).
 */
export async function ensureCustomer(customerId: string, details: CustomerDetails = {}): Promise<string> {
  const known = await getStripeCustomerId(customerId);
  if (known) return known;
  const created = await createStripeCustomer(customerId, details);
  return saveStripeCustomerId(customerId, created);
}

export interface CustomerDetails {
  readonly email?: string;
  readonly name?: string;
}

/**
 * Creates (or, within 24 h, finds again) the Stripe customer for `customerId`. Only our id goes
 * into the keyed create, so a changed email never turns a retry into an idempotency conflict;
 * email and name follow in an update, which is idempotent by nature.
 */
export async function createStripeCustomer(customerId: string, details: CustomerDetails = {}): Promise<string> {
  const stripe = await stripeClient();
  try {
    // After a 500 a fresh key may leave an unused customer behind, never a second one on the profile.
    const customer = await withFreshKeys(`customer-${customerId}-create`, (idempotencyKey) =>
      stripe.customers.create({ metadata: { customerId } }, { idempotencyKey }),
    );
    if (details.email || details.name) {
      await stripe.customers.update(customer.id, {
        ...(details.email ? { email: details.email } : {}),
        ...(details.name ? { name: details.name } : {}),
      });
    }
    return customer.id;
  } catch (error) {
    throw toPaymentError(error);
  }
}
