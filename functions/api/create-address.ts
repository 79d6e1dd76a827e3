import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { createAddress } from '../adapters/dynamodb/customer-repository';
import { customerRoutes } from '../contract/customers';
import { apiHandler, created, routeSpec } from '../shared/http';

/** POST /me/addresses: adds an address (the first becomes the default); 201 with Location. */
export const handler = apiHandler(routeSpec('create-address', { ...customerRoutes['create-address'], idempotencyStore }), async (req) => {
  const address = await createAddress(req.caller.sub, req.body);
  return created(address, `/me/addresses/${address.id}`);
});
