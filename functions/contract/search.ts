/**
 * The catalog's search route: products ranked by a term and prefix query. Apart from catalog.ts
 * so that the product routes do not bundle the search query's schema (`npm run bench:cold`); the
 * document lists it under the Catalog tag all the same (index.ts).
 */
import * as z from '../shared/zod';
import { searchQuerySchema } from '../domain/search';
import { CATALOG_MAX_AGE_SECONDS, productSchema } from './catalog';
import { page, routes } from './route';

export const searchHitSchema = z.withMeta(z.extend(productSchema, { score: z.withMeta(z.number(), { description: 'Higher ranks first' }) }), {
  id: 'SearchHit',
});

export const searchRoutes = routes({
  'search-products': {
    summary: 'Term and prefix search over name, tags and description, ranked',
    query: searchQuerySchema,
    cacheSeconds: CATALOG_MAX_AGE_SECONDS,
    responses: { 200: page(searchHitSchema) },
  },
});
