import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { requireOrder, type OrderRecord } from '../adapters/dynamodb/order-repository';
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import { orderRoutes } from '../contract/orders';
import { toOrderView, type HeldToken } from '../domain/order';
import { apiHandler, routeSpec } from '../shared/http';
import { actOnOrder } from '../application/order-actions';

/**
 * POST /admin/orders/{orderId}/fulfillment: the merchant shipped a PAID order; writes FULFILLED
 * (conditionally) and resumes the workflow's fulfillment wait, or just writes it once the
 * workflow has given up on the order. 202 with the order as it is now.
 */
export const handler = apiHandler(
  routeSpec('fulfill-order', { ...orderRoutes['fulfill-order'], idempotencyStore }),
  async (req) => {
    const fulfillment = { carrier: req.body.carrier, trackingNumber: req.body.trackingNumber };
    const ship = (paid: OrderRecord, whileToken?: HeldToken) => transitionOrder(paid.id, 'FULFILLED', { fulfillment }, { whileToken });
    const { order } = await actOnOrder({
      action: 'fulfill',
      read: () => requireOrder(req.params.orderId),
      output: fulfillment,
      apply: ship,
      direct: (paid) => ship(paid),
    });
    return { statusCode: 202, body: toOrderView(order) };
  },
);
