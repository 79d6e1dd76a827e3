import { PLAIN_REQUESTS } from '../contract/plain';
import { clientConfig } from '../domain/client-config';
import { env } from '../shared/env';
import { apiHandler, ok, routeSpec } from '../shared/http';

/** GET /config: public; the tenant's settings a client starts with (Stripe's publishable key). */
export const handler = apiHandler(routeSpec('get-config', PLAIN_REQUESTS['get-config']), async () => ok(clientConfig(env.stripePublishableKey)));
