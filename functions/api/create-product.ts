import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { createProduct } from '../adapters/dynamodb/product-repository';
import { catalogRoutes } from '../contract/catalog';
import { apiHandler, created, routeSpec } from '../shared/http';

/** POST /admin/products: creates a product (version 1); 201 with Location, 409 SKU_TAKEN. */
export const handler = apiHandler(routeSpec('create-product', { ...catalogRoutes['create-product'], idempotencyStore }), async (req) => {
  const product = await createProduct(req.body);
  return created(product, `/products/${product.id}`);
});
