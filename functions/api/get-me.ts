import { getProfile } from '../adapters/dynamodb/customer-repository';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /me: the caller's profile, created on first use. */
export const handler = apiHandler(routeSpec('get-me'), async (req) => ok(await getProfile(req.caller.sub)));
