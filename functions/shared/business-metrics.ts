import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BUSINESS_METRICS, METRICS_NAMESPACE, metricDimensions, type BusinessMetricKey } from '../../lib/business-metrics';
import { ENV } from '../../lib/env-names';

/**
 * Emits business metrics (lib/business-metrics.ts) as CloudWatch embedded metrics through
 * Powertools: one EMF line on stdout per publish, which CloudWatch turns into the metric.
 */
const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  defaultDimensions: { tenant: metricDimensions(process.env[ENV.tenant] ?? 'local').tenant },
});

/** Records `values` (metric key → count) and publishes them at once. */
export function publishCounts(values: Partial<Record<BusinessMetricKey, number>>): void {
  for (const [key, value] of Object.entries(values)) metrics.addMetric(BUSINESS_METRICS[key as BusinessMetricKey].name, MetricUnit.Count, value);
  metrics.publishStoredMetrics();
}
