import { searchCatalog } from '../application/catalog';
import { searchRoutes } from '../contract/search';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * GET /search?q=&limit=: term and prefix search over name, tags and description, ranked by
 * query-term coverage, then field weight and match quality (functions/domain/search.ts).
 */
export const handler = apiHandler(routeSpec('search-products', searchRoutes['search-products']), async (req) =>
  ok(await searchCatalog(req.query.q, req.query.limit)),
);
