import { readCatalogPage } from '../application/catalog';
import { catalogRoutes } from '../contract/catalog';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /products: the catalog newest first with per-variant availability, `{ items, nextCursor }`. */
export const handler = apiHandler(routeSpec('list-products', catalogRoutes['list-products']), async (req) =>
  ok(await readCatalogPage(req.query)),
);
