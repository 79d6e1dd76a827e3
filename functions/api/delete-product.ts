import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { deleteProduct } from '../adapters/dynamodb/product-repository';
import { catalogRoutes } from '../contract/catalog';
import { apiHandler, noContent, routeSpec } from '../shared/http';

/** DELETE /admin/products/{productId}: removes the product and its SKU items; 204, or 404 when absent. */
export const handler = apiHandler(routeSpec('delete-product', { ...catalogRoutes['delete-product'], idempotencyStore }), async (req) => {
  await deleteProduct(req.params.productId);
  return noContent();
});
