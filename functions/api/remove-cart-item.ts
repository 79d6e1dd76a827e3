import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { removeCartItem } from '../adapters/dynamodb/cart-repository';
import { cartRoutes } from '../contract/cart';
import { apiHandler, noContent, routeSpec } from '../shared/http';

/** DELETE /cart/items/{sku}: removes the line and returns its held units to available (once). */
export const handler = apiHandler(routeSpec('remove-cart-item', { ...cartRoutes['remove-cart-item'], idempotencyStore }), async (req) => {
  await removeCartItem(req.caller.sub, req.params.sku);
  return noContent();
});
