/**
 * The HTTP API's route table: written once, read by the CDK stack (one Lambda per route, its
 * grants and its authorizer) and by the local gateway (lib/local/gateway.ts).
 *
 * `handler` names the module under functions/api/ that exports `handler`.
 * `auth`: public routes skip the JWT authorizer; customer and admin routes need a valid token,
 * and admin routes also need the admin role (checked in the handler's middleware, answered 403).
 * The handler reads its route's `auth` from here (`routeSpec` in functions/shared/http.ts), which
 * also types its caller: present on customer and admin routes, maybe absent on public ones.
 * `uses`: what the function touches, so the stack grants exactly that (least privilege):
 * - 'table:describe': DescribeTable alone, for a health check that reads no item;
 * - 'table:read' / 'table:write': items of the table (never Scan); 'table:index': Query on its GSIs;
 * - 'workflow:start': StartExecution; 'workflow:callback': SendTaskSuccess/Failure;
 *   'workflow:read': DescribeExecution of an order's execution;
 * - 'stripe': the Stripe secret; '<name>-queue': SendMessage to that queue.
 * test/infra/grants.test.ts bundles every handler and fails when its code and its `uses` disagree.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteAuth = 'public' | 'customer' | 'admin';
export type RouteResource =
  | 'table:describe'
  | 'table:read'
  | 'table:write'
  | 'table:index'
  | 'stripe'
  | 'stripe-webhook-secret'
  | 'workflow:start'
  | 'workflow:callback'
  | 'workflow:read'
  | 'webhook-queue'
  | 'order-events-queue'
  | 'webhook-deliveries-queue';

export interface RouteDefinition<H extends string = string, A extends RouteAuth = RouteAuth> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly handler: H;
  readonly auth: A;
  readonly uses: readonly RouteResource[];
}

/** Keeps each route's handler name and auth as literal types, so `AuthOf<'get-cart'>` is 'customer'. */
const route = <H extends string, A extends RouteAuth>(
  method: HttpMethod,
  path: string,
  handler: H,
  auth: A,
  uses: readonly RouteResource[] = [],
): RouteDefinition<H, A> => ({ method, path, handler, auth, uses });

const READ: RouteResource[] = ['table:read'];
const WRITE: RouteResource[] = ['table:read', 'table:write'];
const INDEX: RouteResource = 'table:index';
/** Order actions answer through the waiting task's token, or act directly once the execution has ended. */
const ORDER_ACTION: RouteResource[] = ['workflow:callback', 'workflow:read'];

export const ROUTES = [
  route('GET', '/health', 'health', 'public', ['table:describe']),
  // What a client needs to start (Stripe's publishable key): settings only, it touches nothing
  route('GET', '/config', 'get-config', 'public'),
  // The contract as OpenAPI 3.1, built from functions/contract/ (its bundle carries the schemas); /docs is local only
  route('GET', '/openapi.json', 'openapi', 'public'),

  // Catalog and search
  route('GET', '/products', 'list-products', 'public', [...READ, INDEX]),
  route('GET', '/products/{productId}', 'get-product', 'public', READ),
  route('GET', '/search', 'search-products', 'public', READ),
  route('POST', '/admin/products', 'create-product', 'admin', WRITE),
  route('PUT', '/admin/products/{productId}', 'update-product', 'admin', WRITE),
  route('DELETE', '/admin/products/{productId}', 'delete-product', 'admin', WRITE),
  route('GET', '/admin/inventory/{sku}', 'get-inventory', 'admin', READ),
  route('PUT', '/admin/inventory/{sku}', 'set-inventory', 'admin', WRITE),
  route('POST', '/admin/inventory/{sku}/adjust', 'adjust-inventory', 'admin', WRITE),
  route('GET', '/admin/inventory/{sku}/ledger', 'get-inventory-ledger', 'admin', READ),

  // Cart: every line is a soft hold on stock (functions/adapters/dynamodb/cart-repository.ts)
  route('GET', '/cart', 'get-cart', 'customer', READ),
  route('POST', '/cart/items', 'add-cart-item', 'customer', [...WRITE, INDEX]),
  route('PATCH', '/cart/items/{sku}', 'update-cart-item', 'customer', WRITE),
  route('DELETE', '/cart/items/{sku}', 'remove-cart-item', 'customer', WRITE),

  // Customer profile, addresses and saved cards (GET /me creates the profile on first use)
  route('GET', '/me', 'get-me', 'customer', WRITE),
  route('PUT', '/me', 'put-me', 'customer', WRITE),
  route('GET', '/me/addresses', 'list-addresses', 'customer', READ),
  route('POST', '/me/addresses', 'create-address', 'customer', WRITE),
  route('PUT', '/me/addresses/{id}', 'update-address', 'customer', WRITE),
  route('DELETE', '/me/addresses/{id}', 'delete-address', 'customer', WRITE),
  route('GET', '/me/payment-methods', 'list-payment-methods', 'customer', [...READ, 'stripe']),
  route('POST', '/me/payment-methods', 'create-payment-method', 'customer', [...WRITE, 'stripe']),
  route('DELETE', '/me/payment-methods/{id}', 'delete-payment-method', 'customer', [...READ, 'stripe']),

  // Checkout and orders: one order item per order, its workflow in Step Functions (order-repository.ts)
  route('POST', '/checkout', 'checkout', 'customer', [...WRITE, 'stripe', 'workflow:start']),
  route('GET', '/orders', 'list-orders', 'customer', [...READ, INDEX]),
  route('GET', '/orders/{orderId}', 'get-order', 'customer', READ),
  route('POST', '/orders/{orderId}/cancel', 'cancel-order', 'customer', [...WRITE, 'stripe', ...ORDER_ACTION]),
  route('GET', '/admin/orders', 'admin-list-orders', 'admin', [...READ, INDEX]),
  route('POST', '/admin/orders/{orderId}/fulfillment', 'fulfill-order', 'admin', [...WRITE, ...ORDER_ACTION]),
  route('POST', '/admin/orders/{orderId}/delivered', 'mark-order-delivered', 'admin', [...WRITE, ...ORDER_ACTION]),
  route('POST', '/admin/orders/{orderId}/refund', 'refund-order', 'admin', [...WRITE, 'stripe', ...ORDER_ACTION]),
  // The last stock audit and payment reconciliation (functions/queue/audit-stock.ts, reconcile-payments.ts)
  route('GET', '/admin/audit', 'get-audit', 'admin', READ),
  // Stripe calls this; the signature is the authentication, the queue decouples processing
  route('POST', '/webhooks/stripe', 'stripe-webhook', 'public', ['stripe-webhook-secret', 'webhook-queue']),

  // Merchant webhooks: signed order events sent to the merchant's endpoints (webhook-repository.ts)
  route('POST', '/admin/webhooks', 'create-webhook', 'admin', WRITE),
  route('GET', '/admin/webhooks', 'list-webhooks', 'admin', READ),
  route('DELETE', '/admin/webhooks/{id}', 'delete-webhook', 'admin', WRITE),
  route('GET', '/admin/webhooks/{id}/deliveries', 'list-webhook-deliveries', 'admin', READ),
  route('POST', '/admin/webhooks/{id}/deliveries/{deliveryId}/replay', 'replay-webhook-delivery', 'admin', [...READ, 'webhook-deliveries-queue']),
] as const;

type Route = (typeof ROUTES)[number];
/** A route's handler name, e.g. 'get-cart'. */
export type RouteName = Route['handler'];
/** The auth of the route whose handler is `N`, as a literal type: `AuthOf<'get-cart'>` is 'customer'. */
export type AuthOf<N extends RouteName> = Extract<Route, { readonly handler: N }>['auth'];

/** The auth of the route whose handler is `name` (one route per handler). */
export function authOf<N extends RouteName>(name: N): AuthOf<N> {
  const found = ROUTES.find((r) => r.handler === name);
  if (!found) throw new Error(`No route has the handler ${name}`);
  // find() cannot narrow to a generic N; matching on `handler` is exactly how AuthOf<N> selects.
  return found.auth as AuthOf<N>;
}

/** A stable, readable id for a route's CDK constructs and log names, e.g. `GetProductsProductId`. */
export function routeId(r: RouteDefinition): string {
  const words = [r.method.toLowerCase(), ...r.path.split(/[^A-Za-z0-9]+/)].filter(Boolean);
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
