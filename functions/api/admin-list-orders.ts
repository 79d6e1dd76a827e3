import * as z from 'zod';
import { listOrders } from '../adapters/dynamodb/order-repository';
import { listQuerySchema } from '../domain/customer';
import { ORDER_STATUSES, toAdminOrderView } from '../domain/order';
import { apiHandler, ok, routeSpec } from '../shared/http';

const querySchema = listQuerySchema.extend({
  status: z.string().trim().toUpperCase().pipe(z.enum(ORDER_STATUSES)).optional(),
});

/** GET /admin/orders?status=&limit=&cursor=: the store's orders, newest first, by status or all. */
export const handler = apiHandler(routeSpec('admin-list-orders', { query: querySchema }), async (req) => {
  const { status, ...page } = req.query;
  const result = await listOrders({ status }, page);
  return ok({ items: result.items.map(toAdminOrderView), nextCursor: result.nextCursor });
});
