import { readProduct } from '../application/catalog';
import { catalogRoutes } from '../contract/catalog';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /products/{productId}: one product with per-variant availability; 404 when unknown. */
export const handler = apiHandler(routeSpec('get-product', catalogRoutes['get-product']), async (req) =>
  ok(await readProduct(req.params.productId)),
);
