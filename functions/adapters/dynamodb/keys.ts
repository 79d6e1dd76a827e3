/**
 * Every partition and sort key of the single table is built here, nowhere else. Each entity's
 * section starts with its access patterns. Index names and attributes: lib/table-schema.ts.
 *
 * | entity          | pk                      | sk                  | gsi1pk / gsi1sk                  | gsi2pk / gsi2sk | gsi3pk / gsi3sk |
 * |-----------------|-------------------------|---------------------|----------------------------------|-----------------|-----------------|
 * | order           | ORDER#<orderId>         | ORDER               | CUSTOMER#<sub>#ORDERS / <createdAt>#<id> | ORDER_STATUS#<status> / <createdAt>#<id> | ORDERS / <createdAt>#<id> |
 * | payment link    | PAYMENT_INTENT#<piId>   | ORDER               | -                                | -               | -               |
 * | webhook event   | STRIPE_EVENT#<eventId>  | EVENT               | -                                | -               | -               |
 * | idempotency     | IDEMPOTENCY#<scope>     | KEY#<key>           | -                                | -               |
 * | product         | PRODUCT#<productId>     | PRODUCT             | CATALOG / <createdAt>#<id>       | -               |
 * | variant (sku)   | SKU#<sku>               | VARIANT             | -                                | -               |
 * | stock record    | SKU#<sku>               | STOCK               | -                                | -               |
 * | customer        | CUSTOMER#<sub>          | PROFILE             | -                                | -               |
 * | address         | CUSTOMER#<sub>          | ADDRESS#<addressId> | -                                | -               |
 */

/**
 * Idempotency record: one per (caller, route, Idempotency-Key), kept 24 h through the TTL.
 * Access patterns: get/put by scope and key (conditional put claims the key).
 */
export const idempotencyKeys = {
  record: (scope: string, key: string) => ({ pk: `IDEMPOTENCY#${scope}`, sk: `KEY#${key}` }),
};

/**
 * Product: the product with its variants embedded (one read serves GET /products/{id}).
 * Access patterns: get by id; list the catalog newest first, paginated (gsi1 CATALOG).
 */
export const productKeys = {
  product: (productId: string) => ({ pk: `PRODUCT#${productId}`, sk: 'PRODUCT' }),
  catalogIndex: (createdAt: string, productId: string) => ({ gsi1pk: 'CATALOG', gsi1sk: `${createdAt}#${productId}` }),
  CATALOG_PARTITION: 'CATALOG',
};

/**
 * Variant by SKU: { productId, productName, variantName, options, price }, written in the same
 * transaction as its product; its conditional put keeps SKUs unique across the catalog.
 * The stock record sits in the same partition: { total, available, held, reserved, sold, version }.
 * Access patterns: resolve a SKU to its product and price (carts, checkout); read and move stock.
 */
export const skuKeys = {
  variant: (sku: string) => ({ pk: `SKU#${sku}`, sk: 'VARIANT' }),
  stock: (sku: string) => ({ pk: `SKU#${sku}`, sk: 'STOCK' }),
};

/**
 * Customer (the JWT `sub`): the profile { email?, name?, phone?, defaultAddressId?,
 * stripeCustomerId? } and the address book share one partition, so everything of a customer is
 * reachable from the caller's own key and nothing of anyone else's is. Saved cards live in Stripe,
 * under the profile's stripeCustomerId (set once, by a conditional write).
 * Access patterns: get/upsert the profile; get/put/delete an address by id; list the addresses
 * in creation order (address ids sort by time), paginated by the last address id.
 */
export const customerKeys = {
  profile: (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'PROFILE' }),
  address: (customerId: string, addressId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: `ADDRESS#${addressId}` }),
  partition: (customerId: string) => `CUSTOMER#${customerId}`,
  ADDRESS_PREFIX: 'ADDRESS#',
};

/**
 * Order: the whole order in one item (line items, totals, payment, history, task tokens), so
 * every workflow step is one conditional write. Access patterns: get by id; a customer's orders
 * newest first (gsi1); the store's orders by status (gsi2) and all of them (gsi3), newest first.
 * The payment link resolves a Stripe PaymentIntent id to its order (webhooks); the webhook event
 * item records a processed Stripe event id so each event is handled once.
 */
export const orderKeys = {
  order: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' }),
  customerIndex: (customerId: string, createdAt: string, orderId: string) => ({
    gsi1pk: orderKeys.customerPartition(customerId),
    gsi1sk: `${createdAt}#${orderId}`,
  }),
  customerPartition: (customerId: string) => `CUSTOMER#${customerId}#ORDERS`,
  statusIndex: (status: string, createdAt: string, orderId: string) => ({
    gsi2pk: orderKeys.statusPartition(status),
    gsi2sk: `${createdAt}#${orderId}`,
  }),
  statusPartition: (status: string) => `ORDER_STATUS#${status}`,
  allIndex: (createdAt: string, orderId: string) => ({ gsi3pk: orderKeys.ALL_PARTITION, gsi3sk: `${createdAt}#${orderId}` }),
  ALL_PARTITION: 'ORDERS',
  paymentIntentLink: (paymentIntentId: string) => ({ pk: `PAYMENT_INTENT#${paymentIntentId}`, sk: 'ORDER' }),
  stripeEvent: (eventId: string) => ({ pk: `STRIPE_EVENT#${eventId}`, sk: 'EVENT' }),
};
