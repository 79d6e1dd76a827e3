/**
 * The audit routes: a SKU's stock ledger, and the last stock audit and payment reconciliation.
 * Their shapes are the domain's own (functions/domain/stock-ledger.ts, audit.ts), which the
 * ledger consumer and the scheduled jobs validate what they store with; the contract refers to them.
 */
import * as z from '../shared/zod';
import { auditReportSchema } from '../domain/audit';
import { ledgerEntrySchema, ledgerParamsSchema, ledgerQuerySchema } from '../domain/stock-ledger';
import { page, routes } from './route';

export const auditRoutes = routes({
  'get-inventory-ledger': {
    summary: "A SKU's stock movements, newest first; summing them gives its counters",
    params: ledgerParamsSchema,
    query: ledgerQuerySchema,
    responses: { 200: page(z.withMeta(ledgerEntrySchema, { id: 'StockLedgerEntry' })) },
    errors: { 404: ['NOT_FOUND'] },
  },
  'get-audit': {
    summary: 'The last stock audit and payment reconciliation (each null before its first run)',
    responses: { 200: z.withMeta(auditReportSchema, { id: 'AuditReport' }) },
  },
});
