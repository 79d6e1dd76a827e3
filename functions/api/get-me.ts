import { getProfile } from '../adapters/dynamodb/customer-repository';
import { apiHandler, ok } from '../shared/http';

/** GET /me: the caller's profile, created on first use. */
export const handler = apiHandler({ auth: 'customer' }, async (req) => ok(await getProfile(req.caller!.sub)));
