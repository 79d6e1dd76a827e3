import { listProducts } from '../adapters/dynamodb/product-repository';
import { catalogRoutes } from '../contract/catalog';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /products: the catalog newest first with per-variant availability, `{ items, nextCursor }`. */
export const handler = apiHandler(routeSpec('list-products', catalogRoutes['list-products']), async (req) =>
  ok(await listProducts(req.query)),
);
