/**
 * The HTTP contract: one entry per route of lib/routes.ts, keyed by its handler name, split by
 * domain (catalog.ts, search.ts, inventory.ts, cart.ts, customers.ts, orders.ts, platform.ts, audit.ts, webhooks.ts). It is the one copy of
 * - the request schemas the handler validates with (`body`, `query`, `params`, `idempotency`),
 * - the success responses, as zod schemas the domain's view types are inferred from,
 * - the error codes the route answers beyond the ones its kind always can (route.ts),
 * and the OpenAPI document (openapi.ts, `npm run openapi`, GET /openapi.json) and the typed test
 * client (bin/support/api.ts) are built from it.
 *
 * Adding a route:
 * 1. its line in lib/routes.ts;
 * 2. its entry in its domain's module here (or a new module spread into CONTRACT below):
 *      'get-thing': {
 *        summary: 'One line for the operation list',
 *        params: z.object({ id: resourceId }),        // and/or body, query; idempotency if not 'optional'
 *        responses: { 200: thingSchema },             // 204: null for no body; { schema, description, location: true }
 *        errors: { 404: ['NOT_FOUND'] },              // what the route itself answers
 *      },
 *    with its response schema in that module (a pure shape: no transforms, no defaults), and the
 *    domain's view type as `z.output<typeof thingSchema>` (import type, so no cycle at run time);
 * 3. the handler: `apiHandler(routeSpec('get-thing', thingRoutes['get-thing']), …)`, importing its
 *    domain's module only (not this index: that would bundle every route's schemas).
 * CONTRACT's type fails to compile when a route has no entry; test/unit/contract.test.ts checks
 * that every handler validates with its entry's very schemas.
 */
import type { RouteName } from '../../lib/routes';
import { auditRoutes } from './audit';
import { cartRoutes } from './cart';
import { catalogRoutes } from './catalog';
import { customerRoutes } from './customers';
import { inventoryRoutes } from './inventory';
import { orderRoutes } from './orders';
import { platformRoutes } from './platform';
import { searchRoutes } from './search';
import type { RouteContract } from './route';
import { webhookRoutes } from './webhooks';

/** The document's tags and the contract modules whose routes each lists. */
export const DOMAINS = [
  { tag: 'Platform', routes: platformRoutes },
  { tag: 'Catalog', routes: { ...catalogRoutes, ...searchRoutes, ...inventoryRoutes } },
  { tag: 'Cart', routes: cartRoutes },
  { tag: 'Customer', routes: customerRoutes },
  { tag: 'Orders', routes: orderRoutes },
  { tag: 'Audit', routes: auditRoutes },
  { tag: 'Webhooks', routes: webhookRoutes },
] as const;

export const CONTRACT = {
  ...platformRoutes,
  ...catalogRoutes,
  ...searchRoutes,
  ...inventoryRoutes,
  ...cartRoutes,
  ...customerRoutes,
  ...orderRoutes,
  ...auditRoutes,
  ...webhookRoutes,
} satisfies Record<RouteName, RouteContract>;

export type Contract = typeof CONTRACT;
export type { RouteContract } from './route';
