import { clientConfig } from '../domain/client-config';
import { env } from '../shared/env';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /config: public; the tenant's settings a client starts with (Stripe's publishable key). */
export const handler = apiHandler(routeSpec('get-config', { cacheSeconds: 60 }), async () => ok(clientConfig(env.stripePublishableKey)));
