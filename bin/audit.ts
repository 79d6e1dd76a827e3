/**
 * `npm run audit`: runs the stock auditor and the payment reconciler of the local stack that uses
 * the same DATA_DIR and PORT now, prints their report (GET /admin/audit) and exits 1 when either
 * found a discrepancy.
 */
import { apiClient } from './support/api';
import { runAudit } from './support/audit';

const dataDir = process.env.DATA_DIR ?? '.data';
const api = apiClient(`http://localhost:${process.env.PORT ?? 3000}`, dataDir);
const report = await runAudit(api, dataDir).catch((error: unknown) => {
  console.error(`npm run audit: ${(error as Error).message} (is \`npm run dev\` running on DATA_DIR=${dataDir}?)`);
  process.exit(2);
});
console.log(JSON.stringify(report, null, 2));
process.exit(report.stock.discrepancies.length || report.payments.discrepancies.length ? 1 : 0);
