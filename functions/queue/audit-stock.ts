import { saveAuditRun } from '../adapters/dynamodb/audit-repository';
import { auditStock } from '../application/stock-audit';
import { countBusinessEvent } from '../shared/business-events';
import { logger } from '../shared/logger';

/**
 * Scheduled (STOCK_AUDIT_INTERVAL_SECONDS, hourly): recomputes every SKU's held, reserved and
 * sold from the carts and orders and checks them, and the invariant, against its counters
 * (application/stock-audit.ts). Keeps the report for GET /admin/audit and emits
 * StockDiscrepancies, which alarms above zero; each finding is logged with its SKU and counts.
 */
export const handler = async () => {
  const { total, ...report } = await auditStock();
  await saveAuditRun('STOCK', report);
  countBusinessEvent('stockDiscrepancies', { value: total });
  for (const finding of report.discrepancies) logger.error('Stock discrepancy', { ...finding });
  logger.info('Stock audited', { checkedSkus: report.checkedSkus, discrepancies: total, unsettled: report.unsettledSkus.length });
  return report;
};
