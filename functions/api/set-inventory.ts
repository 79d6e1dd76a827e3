import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { setStockTotal } from '../adapters/dynamodb/stock-repository';
import { inventoryRoutes } from '../contract/inventory';
import { inventoryView } from '../domain/stock';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * PUT /admin/inventory/{sku} { total, shards? }: sets the total; available = total − held −
 * reserved − sold. `shards` (1..32) splits a hot SKU's stock over that many records, safely while
 * holds exist. 409 INVENTORY_BELOW_COMMITTED when available would be negative; 404 for a SKU
 * outside the catalog.
 */
export const handler = apiHandler(
  routeSpec('set-inventory', { ...inventoryRoutes['set-inventory'], idempotencyStore }),
  async (req) => {
    const stock = await setStockTotal(req.params.sku, req.body.total, { admin: req.caller.sub, requestId: req.requestId }, req.body.shards);
    return ok(inventoryView(req.params.sku, stock));
  },
);
