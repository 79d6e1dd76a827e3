import { changeCartItem, listHolds } from '../adapters/dynamodb/cart-repository';
import { cartItemParamsSchema, cartView, updateCartItemSchema } from '../domain/cart';
import { apiHandler, ok } from '../shared/http';

/**
 * PATCH /cart/items/{sku}: sets the line's quantity, moving only the difference with the stock
 * in one transaction and renewing the hold; 0 removes the line. 404 when it is not in the cart.
 */
export const handler = apiHandler(
  { auth: 'customer', params: cartItemParamsSchema, body: updateCartItemSchema },
  async (req) => {
    const customerId = req.caller!.sub;
    await changeCartItem(customerId, req.params.sku, req.body.quantity);
    return ok(cartView(customerId, await listHolds(customerId), new Date()));
  },
);
