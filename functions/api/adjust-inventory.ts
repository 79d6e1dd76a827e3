import { adjustStockTotal } from '../adapters/dynamodb/stock-repository';
import { adjustInventorySchema, inventoryParamsSchema, inventoryView } from '../domain/stock';
import { apiHandler, ok } from '../shared/http';

/**
 * POST /admin/inventory/{sku}/adjust { delta }: restock (delta > 0) or write off (delta < 0);
 * one conditional write, 409 INVENTORY_BELOW_COMMITTED when available would go negative.
 */
export const handler = apiHandler(
  { auth: 'admin', params: inventoryParamsSchema, body: adjustInventorySchema },
  async (req) => {
    const stock = await adjustStockTotal(req.params.sku, req.body.delta);
    return ok(inventoryView(req.params.sku, stock));
  },
);
