import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import * as z from 'zod';
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import { resourceId } from '../domain/customer';
import { toOrderView } from '../domain/order';
import { apiHandler, routeSpec } from '../shared/http';
import { actOnOrder } from '../application/order-actions';

/**
 * POST /admin/orders/{orderId}/delivered: delivery confirmed for a FULFILLED order; resumes the
 * workflow's delivery wait (which otherwise completes the order after COMPLETE_AFTER_SECONDS),
 * or writes COMPLETED here once the workflow has given up on the order.
 */
export const handler = apiHandler(routeSpec('mark-order-delivered', { idempotencyStore, params: z.object({ orderId: resourceId }) }), async (req) => {
  const { order } = await actOnOrder({
    action: 'deliver',
    read: () => requireOrder(req.params.orderId),
    output: {},
    direct: (shipped) => transitionOrder(shipped.id, 'COMPLETED'),
  });
  return { statusCode: 202, body: toOrderView(order) };
});
