/**
 * The business metrics: written once, read by the stage's dashboard (lib/constructs/monitoring.ts)
 * and by the functions that emit them as CloudWatch embedded metrics (Powertools Metrics). A
 * function emits into {@link METRICS_NAMESPACE} with the dimensions of {@link metricDimensions};
 * the stack sets POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME for every function.
 */

/** The CloudWatch namespace of every business metric. */
export const METRICS_NAMESPACE = 'Crowdstart';

/** POWERTOOLS_SERVICE_NAME of every function: Powertools adds it as the `service` dimension. */
export const METRICS_SERVICE = 'crowdstart';

/** A business metric: its name, what it counts and how the dashboard aggregates it. */
export interface BusinessMetric {
  readonly name: string;
  readonly unit: 'Count' | 'Milliseconds';
  /** CloudWatch statistic the dashboard shows. */
  readonly statistic: 'Sum' | 'p99';
  readonly description: string;
}

const count = (name: string, description: string): BusinessMetric => ({ name, unit: 'Count', statistic: 'Sum', description });

/** Every business metric, by the key a function uses to name it. */
export const BUSINESS_METRICS = {
  ordersPlaced: count('OrdersPlaced', 'Checkouts that created an order'),
  ordersPaid: count('OrdersPaid', 'Orders whose payment succeeded'),
  ordersPaymentFailed: count('OrdersPaymentFailed', 'Orders whose payment was declined or abandoned'),
  ordersCancelled: count('OrdersCancelled', 'Orders cancelled before shipment'),
  ordersRefunded: count('OrdersRefunded', 'Orders refunded after payment'),
  stockOuts: count('StockOuts', 'Cart adds or checkouts refused for lack of stock'),
  holdsExpired: count('HoldsExpired', 'Cart holds released because they expired'),
  stockDiscrepancies: count('StockDiscrepancies', 'SKU buckets whose counters disagree with carts and orders (stock auditor)'),
  paymentDiscrepancies: count('PaymentDiscrepancies', 'Payments the reconciler cannot square with an order: paid without payment, payment without order, double charge'),
  paymentsRepaired: count('PaymentsRepaired', 'Succeeded payments the reconciler moved on or refunded (a lost webhook, a crash after the charge)'),
  webhookLagMs: {
    name: 'WebhookLagMs',
    unit: 'Milliseconds',
    statistic: 'p99',
    description: 'From Stripe creating an event to our consumer processing it',
  },
} as const satisfies Record<string, BusinessMetric>;

export type BusinessMetricKey = keyof typeof BUSINESS_METRICS;

/** The dimensions every business metric carries: Powertools' `service` and the stage's tenant. */
export function metricDimensions(tenant: string): Record<'service' | 'tenant', string> {
  return { service: METRICS_SERVICE, tenant };
}
