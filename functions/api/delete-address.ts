import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { deleteAddress } from '../adapters/dynamodb/customer-repository';
import { customerRoutes } from '../contract/customers';
import { apiHandler, noContent, routeSpec } from '../shared/http';

/** DELETE /me/addresses/{id}: removes one of the caller's addresses; 404 for anyone else's. */
export const handler = apiHandler(routeSpec('delete-address', { ...customerRoutes['delete-address'], idempotencyStore }), async (req) => {
  await deleteAddress(req.caller.sub, req.params.id);
  return noContent();
});
