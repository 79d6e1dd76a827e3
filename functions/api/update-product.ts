import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { replaceProduct } from '../adapters/dynamodb/product-repository';
import { catalogRoutes } from '../contract/catalog';
import { expectedVersion } from '../domain/catalog';
import { ValidationFailed } from '../domain/errors';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * PUT /admin/products/{productId}: full replace with optimistic concurrency. The version being
 * replaced comes in the body (`version`) or in If-Match; a stale one answers 409 VERSION_CONFLICT.
 */
export const handler = apiHandler(
  routeSpec('update-product', { ...catalogRoutes['update-product'], idempotencyStore }),
  async (req) => {
    const version = expectedVersion(req.body.version, req.event.headers?.['if-match']);
    if (typeof version === 'string') throw new ValidationFailed([{ in: 'body', path: 'version', message: version }]);
    return ok(await replaceProduct(req.params.productId, req.body.product, version));
  },
);
