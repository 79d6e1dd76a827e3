import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { putProfile } from '../adapters/dynamodb/customer-repository';
import { customerRoutes } from '../contract/customers';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** PUT /me: replaces the editable profile (email, name, phone); omitted fields are cleared. */
export const handler = apiHandler(routeSpec('put-me', { ...customerRoutes['put-me'], idempotencyStore }), async (req) =>
  ok(await putProfile(req.caller.sub, req.body)),
);
