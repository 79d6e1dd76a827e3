import { listCustomerOrders } from '../adapters/dynamodb/order-repository';
import { listQuerySchema } from '../domain/customer';
import { toOwnerOrderView } from '../domain/order';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /orders: the caller's own orders, newest first, `{ items, nextCursor }`. */
export const handler = apiHandler(routeSpec('list-orders', { query: listQuerySchema }), async (req) => {
  const page = await listCustomerOrders(req.caller.sub, req.query);
  return ok({ items: page.items.map(toOwnerOrderView), nextCursor: page.nextCursor });
});
