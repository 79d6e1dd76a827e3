import { apiHandler, ok } from '../shared/http';

/** GET /health: liveness, no dependencies touched. */
export const handler = apiHandler({ auth: 'public' }, async () => ok({ status: 'ok' }));
