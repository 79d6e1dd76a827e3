import { listLedger } from '../adapters/dynamodb/stock-ledger-repository';
import { ledgerEntryView, ledgerParamsSchema, ledgerQuerySchema } from '../domain/stock-ledger';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /admin/inventory/{sku}/ledger?limit=&cursor=: the SKU's stock movements, newest first, `{ items, nextCursor }`. */
export const handler = apiHandler(
  routeSpec('get-inventory-ledger', { params: ledgerParamsSchema, query: ledgerQuerySchema }),
  async (req) => {
    const page = await listLedger(req.params.sku, req.query);
    return ok({ items: page.items.map(ledgerEntryView), nextCursor: page.nextCursor });
  },
);
