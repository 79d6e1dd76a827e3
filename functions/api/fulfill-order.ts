import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import * as z from 'zod';
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import { resourceId } from '../domain/customer';
import { toOrderView } from '../domain/order';
import { singleLine } from '../domain/text';
import { apiHandler, routeSpec } from '../shared/http';
import { actOnOrder } from '../application/order-actions';

const bodySchema = z.strictObject({ carrier: singleLine(100), trackingNumber: singleLine(100) });

/**
 * POST /admin/orders/{orderId}/fulfillment: the merchant shipped a PAID order; resumes the
 * workflow's fulfillment wait, which writes FULFILLED (or, once the workflow has given up on the
 * order, writes FULFILLED here). 202 with the order as it is now.
 */
export const handler = apiHandler(
  routeSpec('fulfill-order', { idempotencyStore, params: z.object({ orderId: resourceId }), body: bodySchema }),
  async (req) => {
    const fulfillment = { carrier: req.body.carrier, trackingNumber: req.body.trackingNumber };
    const { order } = await actOnOrder({
      action: 'fulfill',
      read: () => requireOrder(req.params.orderId),
      output: fulfillment,
      direct: (paid) => transitionOrder(paid.id, 'FULFILLED', { fulfillment }),
    });
    return { statusCode: 202, body: toOrderView(order) };
  },
);
