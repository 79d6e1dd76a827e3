import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { updateAddress } from '../adapters/dynamodb/customer-repository';
import { customerRoutes } from '../contract/customers';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** PUT /me/addresses/{id}: replaces one of the caller's addresses; 404 for anyone else's. */
export const handler = apiHandler(
  routeSpec('update-address', { ...customerRoutes['update-address'], idempotencyStore }),
  async (req) => ok(await updateAddress(req.caller.sub, req.params.id, req.body)),
);
