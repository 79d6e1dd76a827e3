import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { adjustStockTotal } from '../adapters/dynamodb/stock-repository';
import { inventoryRoutes } from '../contract/inventory';
import { inventoryView } from '../domain/stock';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * POST /admin/inventory/{sku}/adjust { delta }: restock (delta > 0) or write off (delta < 0);
 * one conditional write, 409 INVENTORY_BELOW_COMMITTED when available would go negative.
 */
export const handler = apiHandler(
  routeSpec('adjust-inventory', { ...inventoryRoutes['adjust-inventory'], idempotencyStore }),
  async (req) => {
    const stock = await adjustStockTotal(req.params.sku, req.body.delta, { admin: req.caller.sub, requestId: req.requestId });
    return ok(inventoryView(req.params.sku, stock));
  },
);
