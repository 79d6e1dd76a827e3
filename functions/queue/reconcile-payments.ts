import { saveAuditRun } from '../adapters/dynamodb/audit-repository';
import { reconcilePaymentsSince } from '../application/payment-reconciliation';
import { countBusinessEvent } from '../shared/business-events';
import { logger } from '../shared/logger';

/**
 * How far back each run looks. Stripe retries a webhook for 3 days, but an order waiting that
 * long for a lost one is a customer waiting: a day covers every crash or lost event worth
 * repairing, at one list call per 100 intents of the day.
 */
const WINDOW_SECONDS = 24 * 3600;

/**
 * Scheduled (PAYMENT_RECONCILE_INTERVAL_SECONDS, every 15 min): squares the window's Stripe
 * PaymentIntents with the orders (application/payment-reconciliation.ts), repairs what it can,
 * keeps the report for GET /admin/audit, and emits PaymentDiscrepancies (alarmed above zero) and
 * PaymentsRepaired.
 */
export const handler = async () => {
  const { total, ...report } = await reconcilePaymentsSince(WINDOW_SECONDS);
  await saveAuditRun('PAYMENTS', report);
  countBusinessEvent('paymentDiscrepancies', { value: total });
  countBusinessEvent('paymentsRepaired', { value: report.repaired.length });
  for (const finding of report.discrepancies) logger.error('Payment discrepancy', { ...finding });
  for (const repair of report.repaired) logger.warn('Payment repaired', { ...repair });
  logger.info('Payments reconciled', { checkedPaymentIntents: report.checkedPaymentIntents, repaired: report.repaired.length, discrepancies: total });
  return report;
};
