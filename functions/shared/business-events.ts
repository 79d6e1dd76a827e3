/**
 * Business metrics with Powertools for AWS Lambda: one EMF document on stdout per event, with the
 * invocation's correlation id (observability.ts). Apart from observability.ts, so that only the
 * functions that count one bundle Powertools Metrics (~12 KB, `npm run bench:cold`).
 */
import type { MiddlewareObj } from '@middy/core';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BUSINESS_METRICS, METRICS_NAMESPACE, METRICS_SERVICE, metricDimensions, type BusinessMetricKey } from '../../lib/business-metrics';
import { ENV } from '../../lib/env-names';
import { AppError } from '../domain/errors';
import type { OrderStatus, PaymentStatus } from '../domain/order';
import type { ApiEvent, ApiResponse } from './api-event';
import { currentCorrelationId } from './observability';

const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: METRICS_SERVICE,
  defaultDimensions: metricDimensions(process.env[ENV.tenant] ?? 'unknown'),
});

/**
 * Emits one business metric as an EMF document on stdout at once (CloudWatch turns it into the
 * metric), with the correlation id as a property, so the metric's line belongs to the order's
 * story in the logs too. Called where the event happens, once per event.
 */
export function countBusinessEvent(key: BusinessMetricKey, options: { correlationId?: string; value?: number } = {}): void {
  const { name, unit } = BUSINESS_METRICS[key];
  const single = metrics.singleMetric();
  if (options.correlationId) single.addMetadata('correlation_id', options.correlationId);
  single.addMetric(name, MetricUnit[unit], options.value ?? 1); // a single metric publishes as it is added
}

/** What a committed status change counts; a refund also counts when a cancellation gave the money back. */
const TRANSITION_METRICS: Partial<Record<OrderStatus, BusinessMetricKey>> = {
  PAID: 'ordersPaid',
  PAYMENT_FAILED: 'ordersPaymentFailed',
  CANCELLED: 'ordersCancelled',
  REFUNDED: 'ordersRefunded',
};

/** Counts an order's status change once it committed (a re-run step finds it done and counts nothing). */
export function countOrderTransition(to: OrderStatus, paymentStatus: PaymentStatus | undefined, correlationId: string | undefined): void {
  const key = TRANSITION_METRICS[to];
  if (key) countBusinessEvent(key, { correlationId });
  if (paymentStatus === 'refunded' && to !== 'REFUNDED') countBusinessEvent('ordersRefunded', { correlationId });
}

/**
 * Counts a stock-out for every 409 INSUFFICIENT_STOCK of a route (a replayed answer never reaches
 * the handler, so it is not counted). In the `middlewares` of each route whose contract entry
 * declares that code; test/unit/contract.test.ts checks that they all have it.
 */
export const countStockOuts: MiddlewareObj<ApiEvent, ApiResponse> = {
  onError: ({ error }) => {
    if (error instanceof AppError && error.code === 'INSUFFICIENT_STOCK') {
      countBusinessEvent('stockOuts', { correlationId: currentCorrelationId() });
    }
  },
};
