import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { addToCart, type CartAdd } from '../application/cart';
import { cartRoutes } from '../contract/cart';
import { countStockOuts } from '../shared/business-events';
import { apiHandler, created, ok, routeSpec } from '../shared/http';

/**
 * POST /cart/items: adds units to the caller's cart and holds them (one transaction with the
 * stock and the Idempotency-Key's record). 201 with the cart for a new line, 200 when an existing
 * line grew (its hold renewed); 409 INSUFFICIENT_STOCK with what is still available, 409
 * QUANTITY_LIMIT_EXCEEDED above the tenant's per-customer cap; 404 for a SKU outside the catalog.
 */
export const handler = apiHandler(
  routeSpec('add-cart-item', { ...cartRoutes['add-cart-item'], idempotencyStore, recordsIdempotencyInTransaction: true, middlewares: [countStockOuts] }),
  async (req) => {
    const add = await addToCart(req.caller.sub, req.body.sku, req.body.quantity, new Date(), req.idempotency && { write: req.idempotency, respond });
    return respond(add);
  },
);

function respond({ cart, created: isNew }: CartAdd) {
  return isNew ? created(cart, '/cart') : ok(cart);
}
