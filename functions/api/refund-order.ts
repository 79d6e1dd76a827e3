import { z } from 'zod';
import { markPaymentRefunded, requireOrder, type OrderRecord } from '../adapters/dynamodb/order-repository';
import { failWaitingOrder, OrderNotWaiting } from '../adapters/sfn/order-workflow';
import { refundOrder } from '../adapters/stripe/payments';
import { resourceId } from '../domain/customer';
import { Conflict } from '../domain/errors';
import { toOrderView } from '../domain/order';
import { apiHandler, ok, type ApiResponse } from '../shared/http';

const STALE_TOKEN_ATTEMPTS = 3;

/**
 * POST /admin/orders/{orderId}/refund. A PAID order (not shipped) is refunded by its workflow:
 * its fulfillment wait fails with OrderRefunded, the workflow refunds, returns the stock and
 * writes CANCELLED (202). A shipped order (FULFILLED/COMPLETED) keeps its status and stock (the
 * goods left); its payment is refunded here and marked refunded (200).
 */
export const handler = apiHandler({ auth: 'admin', params: z.object({ orderId: resourceId }) }, async (req) => {
  for (let attempt = 1; ; attempt++) {
    const order = await requireOrder(req.params.orderId);
    if (order.status !== 'PAID') return refundShipped(order);
    const token = order.tokens?.fulfillment;
    if (!token) throw new Conflict('ORDER_BUSY', `Order ${order.id} was just paid; retry in a few seconds.`, [{ retryAfterSeconds: 2 }]);
    try {
      await failWaitingOrder(token, 'OrderRefunded', `Refunded by ${req.caller!.sub}`);
      return { statusCode: 202, body: toOrderView(await requireOrder(order.id)) };
    } catch (error) {
      if (!(error instanceof OrderNotWaiting) || attempt >= STALE_TOKEN_ATTEMPTS) throw error; // shipped meanwhile: decide again
    }
  }
});

async function refundShipped(order: OrderRecord): Promise<ApiResponse> {
  if (order.payment.status === 'refunded') throw new Conflict('ALREADY_REFUNDED', `The payment of order ${order.id} was already refunded.`);
  if ((order.status !== 'FULFILLED' && order.status !== 'COMPLETED') || order.payment.status !== 'succeeded') {
    throw new Conflict('ORDER_NOT_REFUNDABLE', `Order ${order.id} is ${order.status} with no payment to refund.`, [{ status: order.status }]);
  }
  const refund = await refundOrder({ orderId: order.id, paymentIntentId: order.payment.paymentIntentId! });
  const refundId = refund.status === 'refunded' ? refund.refundId : undefined;
  return ok(toOrderView(await markPaymentRefunded(order.id, refundId)));
}
