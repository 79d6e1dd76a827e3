/**
 * The HTTP API's route table: written once, read by the CDK stack (one Lambda per route, its
 * grants and its authorizer) and by the local gateway (lib/local/gateway.ts).
 *
 * `handler` names the module under functions/api/ that exports `handler`.
 * `auth`: public routes skip the JWT authorizer; customer and admin routes need a valid token,
 * and admin routes also need the admin role (checked in the handler's middleware, answered 403).
 * `uses`: what the function touches, so the stack grants exactly that (least privilege).
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteAuth = 'public' | 'customer' | 'admin';
export type RouteResource = 'table:read' | 'table:write' | 'stripe' | 'workflow' | 'webhook-queue';

export interface RouteDefinition {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: string;
  readonly auth: RouteAuth;
  readonly uses: readonly RouteResource[];
}

const route = (
  method: HttpMethod,
  path: string,
  handler: string,
  auth: RouteAuth,
  uses: readonly RouteResource[] = [],
): RouteDefinition => ({ method, path, handler, auth, uses });

const READ: RouteResource[] = ['table:read'];
const WRITE: RouteResource[] = ['table:read', 'table:write'];

export const ROUTES: readonly RouteDefinition[] = [
  route('GET', '/health', 'health', 'public'),

  // Catalog and search
  route('GET', '/products', 'list-products', 'public', READ),
  route('GET', '/products/{productId}', 'get-product', 'public', READ),
  route('GET', '/search', 'search-products', 'public', READ),
  route('POST', '/admin/products', 'create-product', 'admin', WRITE),
  route('PUT', '/admin/products/{productId}', 'update-product', 'admin', WRITE),
  route('DELETE', '/admin/products/{productId}', 'delete-product', 'admin', WRITE),
  route('GET', '/admin/inventory/{sku}', 'get-inventory', 'admin', READ),
  route('PUT', '/admin/inventory/{sku}', 'set-inventory', 'admin', WRITE),
  route('POST', '/admin/inventory/{sku}/adjust', 'adjust-inventory', 'admin', WRITE),
];

/** A stable, readable id for a route's CDK constructs and log names, e.g. `GetProductsProductId`. */
export function routeId(r: RouteDefinition): string {
  const words = [r.method.toLowerCase(), ...r.path.split(/[^A-Za-z0-9]+/)].filter(Boolean);
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
