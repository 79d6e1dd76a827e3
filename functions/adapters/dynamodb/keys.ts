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
 * | search doc      | PRODUCT#<productId>     | SEARCH_DOC          | -                                | -               | -               |
 * | search term     | SEARCH#<term[0..2]>     | <term>#<productId>  | -                                | -               | -               |
 * | variant (sku)   | SKU#<sku>               | VARIANT             | -                                | -               |
 * | stock record    | SKU#<sku>               | STOCK               | -                                | -               |
 * | stock shard 1+  | STOCK_SHARD#<sku>#<i>   | STOCK               | -                                | -               |
 * | cart item/hold  | CUSTOMER#<sub>          | CART#<sku>          | HOLDS#<sku>[#<shard>] / <expiresAt>#<sub> | HOLD_EXPIRY#<0..9> / <expiresAt>#<sub>#<sku> |
 * | stock op marker | STOCK_OP#<opId>         | APPLIED             | -                                | -               |
 * | ledger entry    | LEDGER#<sku>            | <at>#<sequence>     | -                                | -               |
 * | stocked sku     | STOCKED_SKUS            | <sku>               | -                                | -               |
 * | audit run       | AUDIT                   | STOCK / PAYMENTS    | -                                | -               |
 * | customer        | CUSTOMER#<sub>          | PROFILE             | -                                | -               |
 * | address         | CUSTOMER#<sub>          | ADDRESS#<addressId> | -                                | -               |
 * | webhook endpoint| WEBHOOKS                | ENDPOINT#<id>       | -                                | -               |
 * | webhook delivery| WEBHOOK#<id>            | DELIVERY#<deliveryId> | -                              | -               |
 *
 * A query of an index is declared here too, as a named access pattern ({ index, partition }),
 * so the index an entity is found through is written once, next to the keys that put it there.
 */
import type { IndexName } from '../../../lib/table-schema';

/** One partition of one of the table's indexes: what a named access pattern queries. */
export interface IndexPartition {
  readonly index: IndexName;
  readonly partition: string;
}

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
  catalogIndex: (createdAt: string, productId: string) => ({ gsi1pk: productKeys.catalog.partition, gsi1sk: `${createdAt}#${productId}` }),
  catalog: { index: 'gsi1', partition: 'CATALOG' } satisfies IndexPartition,
};

/**
 * Search index, kept by the table-stream consumer functions/queue/search-indexer.ts.
 * Term item: one per (term, product) { term, productId, weight }, partitioned by the term's first
 * two characters so that all terms sharing a prefix sit in one partition, sorted.
 * Search doc: what is indexed for a product { version, terms, deleted? }; it makes a replayed or
 * stale stream record a no-op and names the term items to delete when the text changes.
 * Access patterns:
 * | pattern                                   | how                                                              |
 * |-------------------------------------------|------------------------------------------------------------------|
 * | products with a term starting with `q`    | Query pk = SEARCH#<q[0..2]>, sk begins_with <q> (q ≥ 2 chars)    |
 * | replace a product's term items            | GetItem search doc, BatchWrite put/delete term items, put doc     |
 */
export const searchKeys = {
  term: (term: string, productId: string) => ({ pk: searchKeys.termPartition(term), sk: `${term}#${productId}` }),
  termPartition: (termOrPrefix: string) => `SEARCH#${termOrPrefix.slice(0, 2)}`,
  document: (productId: string) => ({ pk: productKeys.product(productId).pk, sk: 'SEARCH_DOC' }),
};

/**
 * Variant by SKU: { productId, productName, variantName, options, price }, written in the same
 * transaction as its product; its conditional put keeps SKUs unique across the catalog.
 * The stock record sits in the same partition: { total, available, held, reserved, sold, version }.
 * It is also shard 0 of the SKU's stock and carries the layout { shards (active), shardSlots
 * (shard records that exist), layoutVersion }. Shards 1.. of a hot SKU each have a partition of
 * their own (the point of sharding: one item, one partition's write budget).
 * Access patterns: resolve a SKU to its product and price (carts, checkout); read and move stock
 * (one shard per move); read the SKU's stock (GetItem shard 0, BatchGet shards 1..slots−1, sum).
 */
export const skuKeys = {
  variant: (sku: string) => ({ pk: `SKU#${sku}`, sk: 'VARIANT' }),
  stock: (sku: string) => ({ pk: `SKU#${sku}`, sk: 'STOCK' }),
  stockShard: (sku: string, shard: number) => (shard === 0 ? skuKeys.stock(sku) : { pk: `STOCK_SHARD#${sku}#${shard}`, sk: 'STOCK' }),
};

/**
 * Cart item = soft hold: one item per (customer, SKU) { customerId, sku, productId, name, unitPrice,
 * quantity, holdId, rev, holdExpiresAt, ttl }. It lives in the customer's partition next to the
 * profile, and is indexed twice by expiry so expired holds are found with a Query, never a Scan.
 * The expiry index is spread over HOLD_EXPIRY_SHARDS partitions so a flash sale's hold writes do not
 * all land on one GSI partition.
 * Access patterns:
 * | pattern                                   | how                                                        |
 * |-------------------------------------------|------------------------------------------------------------|
 * | the caller's cart                         | Query pk = CUSTOMER#<sub>, sk begins_with CART#            |
 * | one cart line (add/change/remove)         | GetItem pk/sk (consistent), conditional writes on `rev`     |
 * | expired holds of one SKU (add finds short)| Query gsi1 HOLDS#<sku>, gsi1sk < now (unsharded SKUs only) |
 * | every expired hold (sweeper)              | Query gsi2 HOLD_EXPIRY#<shard> for each shard, gsi2sk < now |
 */
export const HOLD_EXPIRY_SHARDS = 10;

export const cartKeys = {
  item: (customerId: string, sku: string) => ({ pk: `CUSTOMER#${customerId}`, sk: `CART#${sku}` }),
  partition: (customerId: string) => `CUSTOMER#${customerId}`,
  ITEM_PREFIX: 'CART#',
  // Per stock shard, so a sharded SKU's hold writes spread over as many index partitions as stock
  // items instead of capping the SKU at one index partition's write budget.
  skuHoldIndex: (sku: string, expiresAt: string, customerId: string, stockShard = 0) => ({
    gsi1pk: cartKeys.skuHoldPartition(sku, stockShard),
    gsi1sk: `${expiresAt}#${customerId}`,
  }),
  skuHoldPartition: (sku: string, stockShard = 0) => (stockShard === 0 ? `HOLDS#${sku}` : `HOLDS#${sku}#${stockShard}`),
  expiryIndex: (expiresAt: string, customerId: string, sku: string) => ({
    gsi2pk: cartKeys.expiryPartition(expiryShardOf(`${customerId}#${sku}`)),
    gsi2sk: `${expiresAt}#${customerId}#${sku}`,
  }),
  expiryPartition: (shard: number) => `HOLD_EXPIRY#${shard}`,
  holdsOfSku: (sku: string, stockShard = 0): IndexPartition => ({ index: 'gsi1', partition: cartKeys.skuHoldPartition(sku, stockShard) }),
  holdsExpiringInShard: (shard: number): IndexPartition => ({ index: 'gsi2', partition: cartKeys.expiryPartition(shard) }),
};

/** A stable shard in 0..HOLD_EXPIRY_SHARDS-1 (FNV-1a), so a hold keeps its shard when renewed. */
function expiryShardOf(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % HOLD_EXPIRY_SHARDS;
}

/**
 * Stock operation marker: written in the same transaction as a stock move that must happen at
 * most once although its trigger may repeat (a TTL removal delivered twice on the stream, a
 * retried workflow step). Kept a while through the TTL, longer than any redelivery window.
 * Access patterns: conditional put (attribute_not_exists) claims the operation id.
 */
export const stockOpKeys = {
  applied: (opId: string) => ({ pk: `STOCK_OP#${opId}`, sk: 'APPLIED' }),
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
  allIndex: (createdAt: string, orderId: string) => ({ gsi3pk: orderKeys.all.partition, gsi3sk: `${createdAt}#${orderId}` }),
  ofCustomer: (customerId: string): IndexPartition => ({ index: 'gsi1', partition: orderKeys.customerPartition(customerId) }),
  withStatus: (status: string): IndexPartition => ({ index: 'gsi2', partition: orderKeys.statusPartition(status) }),
  all: { index: 'gsi3', partition: 'ORDERS' } satisfies IndexPartition,
  paymentIntentLink: (paymentIntentId: string) => ({ pk: `PAYMENT_INTENT#${paymentIntentId}`, sk: 'ORDER' }),
  stripeEvent: (eventId: string) => ({ pk: `STRIPE_EVENT#${eventId}`, sk: 'EVENT' }),
};

/**
 * Stock ledger entry: one per change of a SKU's stock record, written by the table-stream
 * consumer functions/queue/record-stock-ledger.ts with a conditional put, so a redelivered
 * stream record writes nothing twice. The sort key is the movement's time, then the stream
 * record's sequence number (zero-padded: it breaks ties and is unique), so a Query newest first
 * is the ledger in the order it happened. Its own partition, away from the stock record's: a flash
 * sale's ledger writes do not share the hot item's partition.
 * Stocked SKU: every SKU that ever had a stock record (registered by the same consumer when it
 * first sees the record), so the stock auditor lists SKUs with one paginated Query instead of a Scan.
 * Access patterns:
 * | pattern                          | how                                                  |
 * |----------------------------------|------------------------------------------------------|
 * | a SKU's ledger, newest first     | Query pk = LEDGER#<sku>, ScanIndexForward false      |
 * | record one movement exactly once | Put attribute_not_exists(pk)                          |
 * | every stocked SKU (auditor)      | Query pk = STOCKED_SKUS, paginated                   |
 */
export const ledgerKeys = {
  entry: (sku: string, at: string, sequence: string) => ({ pk: ledgerKeys.partition(sku), sk: `${at}#${sequence.padStart(40, '0')}` }),
  partition: (sku: string) => `LEDGER#${sku}`,
  stockedSku: (sku: string) => ({ pk: ledgerKeys.STOCKED_SKUS, sk: sku }),
  STOCKED_SKUS: 'STOCKED_SKUS',
};

/**
 * The last run of each audit job (GET /admin/audit): the stock auditor's and the payment
 * reconciler's report, each overwritten by the next run of its job.
 * Access patterns: put by job; get both (BatchGet).
 */
export const auditKeys = {
  lastRun: (job: 'STOCK' | 'PAYMENTS') => ({ pk: 'AUDIT', sk: job }),
};

/**
 * Merchant webhooks. Endpoints { id, url, events, secret, createdAt } share one partition: a
 * stage has a handful, and every order event reads them all. Each endpoint's deliveries
 * { eventId, type, status, event, attempts } live in its own partition; delivery ids start with
 * the event time, so the partition reads newest first. Deliveries expire through the TTL.
 * Access patterns:
 * | pattern                                   | how                                                        |
 * |-------------------------------------------|------------------------------------------------------------|
 * | every endpoint (list, fan-out of an event)| Query pk = WEBHOOKS, sk begins_with ENDPOINT#               |
 * | one endpoint (delivery, delete)           | GetItem / DeleteItem pk/sk                                 |
 * | an endpoint's deliveries, newest first    | Query pk = WEBHOOK#<id>, sk begins_with DELIVERY#, backwards |
 * | one delivery (attempt, replay)            | GetItem / UpdateItem pk/sk                                 |
 */
export const webhookKeys = {
  endpoint: (id: string) => ({ pk: webhookKeys.ENDPOINTS, sk: `${webhookKeys.ENDPOINT_PREFIX}${id}` }),
  ENDPOINTS: 'WEBHOOKS',
  ENDPOINT_PREFIX: 'ENDPOINT#',
  delivery: (endpointId: string, deliveryId: string) => ({ pk: webhookKeys.deliveries(endpointId), sk: `${webhookKeys.DELIVERY_PREFIX}${deliveryId}` }),
  deliveries: (endpointId: string) => `WEBHOOK#${endpointId}`,
  DELIVERY_PREFIX: 'DELIVERY#',
};
