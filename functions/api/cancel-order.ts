import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { getOrderForCustomer } from '../adapters/dynamodb/order-repository';
import { orderRoutes } from '../contract/orders';
import { toOwnerOrderView } from '../domain/order';
import { apiHandler, routeSpec } from '../shared/http';
import { actOnOrder } from '../application/order-actions';
import { cancelDirectly } from '../application/order-payments';

/**
 * POST /orders/{orderId}/cancel: before fulfillment, fails the step the workflow waits on with
 * OrderCancelled; the workflow then cancels or refunds the payment, releases the stock and
 * writes CANCELLED. Once the workflow has given up on the order, the same happens here. 202
 * with the order as it is now. While the payment is being attempted there is nothing to
 * interrupt yet: 409 PAYMENT_IN_PROGRESS, retry shortly.
 */
export const handler = apiHandler(routeSpec('cancel-order', { ...orderRoutes['cancel-order'], idempotencyStore }), async (req) => {
  const cause = `Cancelled by customer ${req.caller.sub}`;
  const { order } = await actOnOrder({
    action: 'cancel',
    read: () => getOrderForCustomer(req.caller.sub, req.params.orderId),
    cause,
    direct: (placed) => cancelDirectly(placed, 'OrderCancelled', cause),
  });
  return { statusCode: 202, body: toOwnerOrderView(order) };
});
