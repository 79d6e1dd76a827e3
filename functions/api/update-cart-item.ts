import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { changeCartItem, readCart } from '../adapters/dynamodb/cart-repository';
import { cartRoutes } from '../contract/cart';
import { countStockOuts } from '../shared/business-events';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * PATCH /cart/items/{sku}: sets the line's quantity, moving only the difference with the stock
 * in one transaction and renewing the hold (never past its maximum lifetime); 0 removes the line.
 * 404 when it is not in the cart; 409 QUANTITY_LIMIT_EXCEEDED above the per-customer cap, 409
 * PRODUCT_UNAVAILABLE when its product left the catalog (the line can still be removed).
 */
export const handler = apiHandler(
  routeSpec('update-cart-item', { ...cartRoutes['update-cart-item'], idempotencyStore, middlewares: [countStockOuts] }),
  async (req) => {
    const customerId = req.caller.sub;
    await changeCartItem(customerId, req.params.sku, req.body.quantity);
    return ok(await readCart(customerId));
  },
);
