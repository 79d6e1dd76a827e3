import { getProduct } from '../adapters/dynamodb/product-repository';
import { productParamsSchema } from '../domain/catalog';
import { apiHandler, ok } from '../shared/http';

/** GET /products/{productId}: one product with per-variant availability; 404 when unknown. */
export const handler = apiHandler({ auth: 'public', params: productParamsSchema, cacheSeconds: 30 }, async (req) =>
  ok(await getProduct(req.params.productId)),
);
