import { z } from 'zod';
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { OrderNotWaiting, resumeWaitingOrder } from '../adapters/sfn/order-workflow';
import { resourceId } from '../domain/customer';
import { Conflict } from '../domain/errors';
import { toOrderView } from '../domain/order';
import { apiHandler } from '../shared/http';

/**
 * POST /admin/orders/{orderId}/delivered: delivery confirmed for a FULFILLED order; resumes the
 * workflow's delivery wait (which otherwise completes the order after COMPLETE_AFTER_SECONDS).
 */
export const handler = apiHandler({ auth: 'admin', params: z.object({ orderId: resourceId }) }, async (req) => {
  const order = await requireOrder(req.params.orderId);
  if (order.status !== 'FULFILLED') {
    throw new Conflict('ORDER_NOT_DELIVERABLE', `Order ${order.id} is ${order.status}; only FULFILLED orders can be delivered.`, [{ status: order.status }]);
  }
  const token = order.tokens?.delivery;
  if (!token) throw new Conflict('ORDER_BUSY', `Order ${order.id} was just shipped; retry in a few seconds.`, [{ retryAfterSeconds: 2 }]);
  try {
    await resumeWaitingOrder(token, {});
  } catch (error) {
    // The wait ended meanwhile: the order completed by itself.
    if (!(error instanceof OrderNotWaiting)) throw error;
  }
  return { statusCode: 202, body: toOrderView(await requireOrder(order.id)) };
});
