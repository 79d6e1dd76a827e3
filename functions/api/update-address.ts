import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import * as z from 'zod';
import { updateAddress } from '../adapters/dynamodb/customer-repository';
import { addressInputSchema, resourceId } from '../domain/customer';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** PUT /me/addresses/{id}: replaces one of the caller's addresses; 404 for anyone else's. */
export const handler = apiHandler(
  routeSpec('update-address', { idempotencyStore, params: z.object({ id: resourceId }), body: addressInputSchema }),
  async (req) => ok(await updateAddress(req.caller.sub, req.params.id, req.body)),
);
