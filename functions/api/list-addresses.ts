import { listAddresses } from '../adapters/dynamodb/customer-repository';
import { listQuerySchema } from '../domain/customer';
import { apiHandler, ok } from '../shared/http';

/** GET /me/addresses: the caller's address book in creation order, `{ items, nextCursor }`. */
export const handler = apiHandler({ auth: 'customer', query: listQuerySchema }, async (req) =>
  ok(await listAddresses(req.caller!.sub, req.query)),
);
