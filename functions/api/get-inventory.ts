import { getInventory } from '../adapters/dynamodb/stock-repository';
import { inventoryParamsSchema, inventoryView } from '../domain/stock';
import { apiHandler, ok } from '../shared/http';

/** GET /admin/inventory/{sku}: the stock buckets of a catalog SKU (zeros before the first stocking). */
export const handler = apiHandler({ auth: 'admin', params: inventoryParamsSchema }, async (req) => {
  const stock = await getInventory(req.params.sku);
  return ok(inventoryView(req.params.sku, stock));
});
