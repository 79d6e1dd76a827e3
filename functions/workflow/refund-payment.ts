/**
 * `Refund payment` (compensation, retried with backoff by the state): a paid order was cancelled
 * or refunded before it shipped; the whole charge goes back (key order-<id>-refund, so retries
 * and re-runs refund once).
 */
import { refundOrder } from '../adapters/stripe';
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { logger } from '../shared/logger';
import { observedHandler, useCorrelationId } from '../shared/observability';
import type { Compensation, OrderEvent } from './state';

export const handler = observedHandler(async ({ orderId }: OrderEvent): Promise<Compensation> => {
  const { payment, correlationId } = await requireOrder(orderId);
  useCorrelationId(correlationId);
  if (!payment.paymentIntentId) return { paymentStatus: 'canceled' }; // nothing was charged
  const refund = await refundOrder({ orderId, paymentIntentId: payment.paymentIntentId });
  logger.info('Order payment refunded', { orderId, refund: refund.status });
  return { paymentStatus: 'refunded', ...(refund.status === 'refunded' ? { refundId: refund.refundId } : {}) };
});
