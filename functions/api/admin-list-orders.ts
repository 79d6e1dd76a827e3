import { listOrders } from '../adapters/dynamodb/order-repository';
import { orderRoutes } from '../contract/orders';
import { toAdminOrderView } from '../domain/order';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /admin/orders?status=&limit=&cursor=: the store's orders, newest first, by status or all. */
export const handler = apiHandler(routeSpec('admin-list-orders', orderRoutes['admin-list-orders']), async (req) => {
  const { status, ...page } = req.query;
  const result = await listOrders({ status }, page);
  return ok({ items: result.items.map(toAdminOrderView), nextCursor: result.nextCursor });
});
