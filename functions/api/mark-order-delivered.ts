import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { requireOrder, type OrderRecord } from '../adapters/dynamodb/order-repository';
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import { orderRoutes } from '../contract/orders';
import { toOrderView, type HeldToken } from '../domain/order';
import { apiHandler, routeSpec } from '../shared/http';
import { actOnOrder } from '../application/order-actions';

/**
 * POST /admin/orders/{orderId}/delivered: delivery confirmed for a FULFILLED order; writes
 * COMPLETED (conditionally) and resumes the workflow's delivery wait, which ends the execution
 * (otherwise it completes the order after COMPLETE_AFTER_SECONDS), or just writes it once the
 * workflow has given up on the order.
 */
export const handler = apiHandler(routeSpec('mark-order-delivered', { ...orderRoutes['mark-order-delivered'], idempotencyStore }), async (req) => {
  const complete = (shipped: OrderRecord, whileToken?: HeldToken) => transitionOrder(shipped.id, 'COMPLETED', {}, { whileToken });
  const { order } = await actOnOrder({
    action: 'deliver',
    read: () => requireOrder(req.params.orderId),
    output: {},
    apply: complete,
    direct: (shipped) => complete(shipped),
  });
  return { statusCode: 202, body: toOrderView(order) };
});
