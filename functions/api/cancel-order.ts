import { z } from 'zod';
import { getOrderForCustomer, requireOrder, type OrderRecord } from '../adapters/dynamodb/order-repository';
import { failWaitingOrder, OrderNotWaiting } from '../adapters/sfn/order-workflow';
import { resourceId } from '../domain/customer';
import { Conflict } from '../domain/errors';
import { assertCancellable, toOrderView } from '../domain/order';
import { apiHandler } from '../shared/http';

const STALE_TOKEN_ATTEMPTS = 3;

/**
 * POST /orders/{orderId}/cancel: before fulfillment, fails the step the workflow waits on with
 * OrderCancelled; the workflow then cancels or refunds the payment, releases the stock and
 * writes CANCELLED. 202 with the order as it is now. While the payment is being attempted there
 * is nothing to interrupt yet: 409 PAYMENT_IN_PROGRESS, retry shortly.
 */
export const handler = apiHandler({ auth: 'customer', params: z.object({ orderId: resourceId }) }, async (req) => {
  for (let attempt = 1; ; attempt++) {
    const order = await getOrderForCustomer(req.caller!.sub, req.params.orderId);
    try {
      await failWaitingOrder(cancellationToken(order), 'OrderCancelled', `Cancelled by customer ${order.customerId}`);
      return { statusCode: 202, body: toOrderView(await requireOrder(order.id)) };
    } catch (error) {
      // The step moved on between our read and our call (paid, say): decide again on a fresh read.
      if (!(error instanceof OrderNotWaiting) || attempt >= STALE_TOKEN_ATTEMPTS) throw error;
    }
  }
});

/** The token of the wait a cancellation interrupts, or why there is none. */
function cancellationToken(order: OrderRecord): string {
  assertCancellable(order);
  const token = order.status === 'PAID' ? order.tokens?.fulfillment : order.tokens?.authentication;
  if (token) return token;
  const code = order.status === 'PAID' ? 'ORDER_BUSY' : 'PAYMENT_IN_PROGRESS';
  throw new Conflict(code, `Order ${order.id} is being processed (${order.status}); retry the cancellation in a few seconds.`, [
    { status: order.status, retryAfterSeconds: 2 },
  ]);
}
