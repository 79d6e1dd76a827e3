import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { addToCart, readCart } from '../adapters/dynamodb/cart-repository';
import { addCartItemSchema } from '../domain/cart';
import { apiHandler, created, ok, routeSpec } from '../shared/http';

/**
 * POST /cart/items: adds units to the caller's cart and holds them (one transaction with the
 * stock). 201 with the cart for a new line, 200 when an existing line grew (its hold renewed);
 * 409 INSUFFICIENT_STOCK with what is still available, 409 QUANTITY_LIMIT_EXCEEDED above the
 * tenant's per-customer cap; 404 for a SKU outside the catalog.
 */
export const handler = apiHandler(routeSpec('add-cart-item', { idempotencyStore, body: addCartItemSchema }), async (req) => {
  const customerId = req.caller.sub;
  const { created: isNew } = await addToCart(customerId, req.body.sku, req.body.quantity);
  const cart = await readCart(customerId);
  return isNew ? created(cart, '/cart') : ok(cart);
});
