import { lastAuditRuns } from '../adapters/dynamodb/audit-repository';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /admin/audit: the last stock audit and payment reconciliation, each null before its first run. */
export const handler = apiHandler(routeSpec('get-audit'), async () => ok(await lastAuditRuns()));
