import { getInventory } from '../adapters/dynamodb/stock-repository';
import { inventoryRoutes } from '../contract/inventory';
import { inventoryView } from '../domain/stock';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /admin/inventory/{sku}: the stock buckets of a catalog SKU (zeros before the first stocking). */
export const handler = apiHandler(routeSpec('get-inventory', inventoryRoutes['get-inventory']), async (req) => {
  const stock = await getInventory(req.params.sku);
  return ok(inventoryView(req.params.sku, stock));
});
