import { listProducts } from '../adapters/dynamodb/product-repository';
import { listProductsQuerySchema } from '../domain/catalog';
import { apiHandler, ok } from '../shared/http';

/** GET /products: the catalog newest first with per-variant availability, `{ items, nextCursor }`. */
export const handler = apiHandler({ auth: 'public', query: listProductsQuerySchema, cacheSeconds: 30 }, async (req) =>
  ok(await listProducts(req.query)),
);
