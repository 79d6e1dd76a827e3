import { getProducts } from '../adapters/dynamodb/product-repository';
import { findHits } from '../adapters/dynamodb/search-index';
import { catalogRoutes } from '../contract/catalog';
import { rank, rankProducts } from '../domain/search';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** Index candidates re-checked against the current products, beyond `limit`, for drops. */
const SLACK = 10;

/**
 * GET /search?q=&limit=: term and prefix search over name, tags and description, ranked by
 * query-term coverage, then field weight and match quality (functions/domain/search.ts).
 */
export const handler = apiHandler(routeSpec('search-products', catalogRoutes['search-products']), async (req) => {
  const { q: terms, limit } = req.query;
  const candidates = rank(await findHits(terms)).slice(0, limit * 2 + SLACK);
  const products = await getProducts(candidates.map((c) => c.productId));
  return ok({ items: rankProducts(products, terms).slice(0, limit), nextCursor: null });
});
