import { listAddresses } from '../adapters/dynamodb/customer-repository';
import { customerRoutes } from '../contract/customers';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /me/addresses: the caller's address book in creation order, `{ items, nextCursor }`. */
export const handler = apiHandler(routeSpec('list-addresses', customerRoutes['list-addresses']), async (req) =>
  ok(await listAddresses(req.caller.sub, req.query)),
);
