import { listLedger } from '../adapters/dynamodb/stock-ledger-repository';
import { getInventory } from '../adapters/dynamodb/stock-repository';
import { auditRoutes } from '../contract/audit';
import { ledgerEntryView } from '../domain/stock-ledger';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * GET /admin/inventory/{sku}/ledger?limit=&cursor=: the SKU's stock movements, newest first,
 * `{ items, nextCursor }`; 404 for a SKU never seen, as GET /admin/inventory answers.
 */
export const handler = apiHandler(
  routeSpec('get-inventory-ledger', auditRoutes['get-inventory-ledger']),
  async (req) => {
    const page = await listLedger(req.params.sku, req.query);
    if (page.items.length === 0 && !req.query.cursor) await getInventory(req.params.sku); // throws NotFound
    return ok({ items: page.items.map(ledgerEntryView), nextCursor: page.nextCursor });
  },
);
