import { listHolds } from '../adapters/dynamodb/cart-repository';
import { cartView } from '../domain/cart';
import { apiHandler, ok } from '../shared/http';

/** GET /cart: the caller's live cart lines with unit prices, hold expiry and subtotal. */
export const handler = apiHandler({ auth: 'customer' }, async (req) => {
  const customerId = req.caller!.sub;
  return ok(cartView(customerId, await listHolds(customerId), new Date()));
});
