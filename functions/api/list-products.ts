import { readCatalogPage } from '../application/catalog';
import { listProductsQuerySchema } from '../domain/catalog';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /products: the catalog newest first with per-variant availability, `{ items, nextCursor }`. */
export const handler = apiHandler(routeSpec('list-products', { query: listProductsQuerySchema, cacheSeconds: 30 }), async (req) =>
  ok(await readCatalogPage(req.query)),
);
