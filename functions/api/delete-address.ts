import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import * as z from 'zod';
import { deleteAddress } from '../adapters/dynamodb/customer-repository';
import { resourceId } from '../domain/customer';
import { apiHandler, noContent, routeSpec } from '../shared/http';

/** DELETE /me/addresses/{id}: removes one of the caller's addresses; 404 for anyone else's. */
export const handler = apiHandler(routeSpec('delete-address', { idempotencyStore, params: z.object({ id: resourceId }) }), async (req) => {
  await deleteAddress(req.caller.sub, req.params.id);
  return noContent();
});
