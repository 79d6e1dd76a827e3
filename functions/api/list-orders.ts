import { listCustomerOrders } from '../adapters/dynamodb/order-repository';
import { orderRoutes } from '../contract/orders';
import { toOwnerOrderView } from '../domain/order';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /orders: the caller's own orders, newest first, `{ items, nextCursor }`. */
export const handler = apiHandler(routeSpec('list-orders', orderRoutes['list-orders']), async (req) => {
  const page = await listCustomerOrders(req.caller.sub, req.query);
  return ok({ items: page.items.map(toOwnerOrderView), nextCursor: page.nextCursor });
});
