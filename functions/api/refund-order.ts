import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { requireOrder, type OrderRecord } from '../adapters/dynamodb/order-repository';
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import { refundOrder } from '../adapters/stripe';
import { orderRoutes } from '../contract/orders';
import { toOrderView } from '../domain/order';
import { apiHandler, routeSpec } from '../shared/http';
import { actOnOrder, endWait } from '../application/order-actions';
import { cancelDirectly } from '../application/order-payments';

/**
 * POST /admin/orders/{orderId}/refund `{ restock? }`. Before shipping (PAID) the order is
 * refunded by its workflow: its fulfillment wait fails with OrderRefunded, the workflow refunds,
 * returns the stock and writes CANCELLED (202). After shipping (FULFILLED/COMPLETED) it is a
 * return, refunded here (200): REFUNDED, and the units go back on the shelf only with
 * `restock: true` (default false: the goods left the warehouse).
 */
export const handler = apiHandler(
  routeSpec('refund-order', { ...orderRoutes['refund-order'], idempotencyStore }),
  async (req) => {
    const cause = `Refunded by ${req.caller.sub}`;
    const restock = req.body?.restock ?? false;
    let returned = false;
    const { order } = await actOnOrder({
      action: 'refund',
      read: () => requireOrder(req.params.orderId),
      cause,
      direct: async (paid, route) => {
        if (paid.status !== 'FULFILLED' && paid.status !== 'COMPLETED') return cancelDirectly(paid, 'OrderRefunded', cause);
        returned = true;
        const refunded = await refundReturn(paid, restock);
        if (route.endWait) await endWait(route.endWait, 'OrderRefunded', cause);
        return refunded;
      },
    });
    return { statusCode: returned ? 200 : 202, body: toOrderView(order) };
  },
);

/**
 * The refund of a shipped order (key order-<id>-refund: a retry after a crash finds the same
 * refund), then ONE transaction: REFUNDED with its history entry, the payment refunded and,
 * with `restock`, every line's units sold → available.
 */
async function refundReturn(order: OrderRecord, restock: boolean): Promise<OrderRecord> {
  const refund = await refundOrder({ orderId: order.id, paymentIntentId: order.payment.paymentIntentId! });
  const refundId = refund.status === 'refunded' ? refund.refundId : undefined;
  return transitionOrder(
    order.id,
    'REFUNDED',
    { payment: { status: 'refunded' }, refund: { at: new Date().toISOString(), restock, ...(refundId ? { refundId } : {}) } },
    { restock },
  );
}
