import * as z from 'zod';
import { getOrderForCustomer } from '../adapters/dynamodb/order-repository';
import { resourceId } from '../domain/customer';
import { toOrderView } from '../domain/order';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /orders/{orderId}: one of the caller's orders with its history; anyone else's is a 404. */
export const handler = apiHandler(routeSpec('get-order', { params: z.object({ orderId: resourceId }) }), async (req) =>
  ok(toOrderView(await getOrderForCustomer(req.caller.sub, req.params.orderId))),
);
