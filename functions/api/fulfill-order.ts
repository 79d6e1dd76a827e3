import { z } from 'zod';
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { OrderNotWaiting, resumeWaitingOrder } from '../adapters/sfn/order-workflow';
import { resourceId } from '../domain/customer';
import { Conflict } from '../domain/errors';
import { toOrderView } from '../domain/order';
import { singleLine } from '../domain/text';
import { apiHandler } from '../shared/http';

const bodySchema = z.strictObject({ carrier: singleLine(100), trackingNumber: singleLine(100) });

/**
 * POST /admin/orders/{orderId}/fulfillment: the merchant shipped a PAID order; resumes the
 * workflow's fulfillment wait, which writes FULFILLED. 202 with the order as it is now.
 */
export const handler = apiHandler(
  { auth: 'admin', params: z.object({ orderId: resourceId }), body: bodySchema },
  async (req) => {
    const order = await requireOrder(req.params.orderId);
    if (order.status !== 'PAID') {
      throw new Conflict('ORDER_NOT_FULFILLABLE', `Order ${order.id} is ${order.status}; only PAID orders can be shipped.`, [{ status: order.status }]);
    }
    const token = order.tokens?.fulfillment;
    if (!token) throw new Conflict('ORDER_BUSY', `Order ${order.id} was just paid; retry in a few seconds.`, [{ retryAfterSeconds: 2 }]);
    try {
      await resumeWaitingOrder(token, { carrier: req.body.carrier, trackingNumber: req.body.trackingNumber });
    } catch (error) {
      // Cancelled or refunded between our read and our call.
      if (error instanceof OrderNotWaiting) throw new Conflict('ORDER_NOT_FULFILLABLE', `Order ${order.id} can no longer be shipped.`);
      throw error;
    }
    return { statusCode: 202, body: toOrderView(await requireOrder(order.id)) };
  },
);
