import { getOrderForCustomer } from '../adapters/dynamodb/order-repository';
import { orderRoutes } from '../contract/orders';
import { toOwnerOrderView } from '../domain/order';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /orders/{orderId}: one of the caller's orders with its history; anyone else's is a 404. */
export const handler = apiHandler(routeSpec('get-order', orderRoutes['get-order']), async (req) =>
  ok(toOwnerOrderView(await getOrderForCustomer(req.caller.sub, req.params.orderId))),
);
