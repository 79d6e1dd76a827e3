import { openApiDocument } from '../contract/openapi';
import { PLAIN_REQUESTS } from '../contract/plain';
import { apiHandler, ok, routeSpec } from '../shared/http';

/**
 * GET /openapi.json: the HTTP contract as OpenAPI 3.1, built at the first request from the
 * contract this bundle carries (functions/contract/), so the document deployed is always the
 * code deployed. The page that renders it (/docs) is local only: see lib/local/docs.ts.
 */
export const handler = apiHandler(routeSpec('openapi', PLAIN_REQUESTS.openapi), async () => ok(openApiDocument()));
