import { readProduct } from '../application/catalog';
import { productParamsSchema } from '../domain/catalog';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /products/{productId}: one product with per-variant availability; 404 when unknown. */
export const handler = apiHandler(routeSpec('get-product', { params: productParamsSchema, cacheSeconds: 30 }), async (req) =>
  ok(await readProduct(req.params.productId)),
);
