import { putProfile } from '../adapters/dynamodb/customer-repository';
import { profileInputSchema } from '../domain/customer';
import { apiHandler, ok } from '../shared/http';

/** PUT /me: replaces the editable profile (email, name, phone); omitted fields are cleared. */
export const handler = apiHandler({ auth: 'customer', body: profileInputSchema }, async (req) =>
  ok(await putProfile(req.caller!.sub, req.body)),
);
