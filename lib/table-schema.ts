/**
 * The one DynamoDB table's physical schema: key attributes, GSIs and the TTL attribute.
 * Both the CDK stack and the local stack create the table from this definition, so the key
 * schema has a single source. What each key holds per entity (the access patterns) is written
 * down next to the key builders in functions/adapters/dynamodb/keys.ts.
 */
export const TABLE_PARTITION_KEY = 'pk';
export const TABLE_SORT_KEY = 'sk';
export const TTL_ATTRIBUTE = 'ttl';

export interface GlobalIndex {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /**
   * The non-key attributes the index copies (an INCLUDE projection). Every
   * write of an item with the index's keys also writes its index entry, billed by that entry's
   * size, and an update that changes none of these attributes and neither key writes nothing
   * there: so an index copies only what the Queries on it read, and readers that need the whole
   * item read it from the table by the keys the index returns.
   */
  readonly projected: readonly string[];
}

/** What a cart line (a hold) is read back as from an index: toHold in cart-repository.ts, and the audit's quantity. */
const HOLD_ATTRIBUTES = ['entity', 'customerId', 'sku', 'productId', 'name', 'unitPrice', 'quantity', 'holdId', 'rev', 'holdExpiresAt', 'createdAt', 'updatedAt', 'stockShard'];
/** What a catalog page shows of a product: toStored in product-repository.ts. */
const PRODUCT_ATTRIBUTES = ['id', 'description', 'tags', 'images', 'variants', 'version'];
/** What the stock audit reads of an order by status (unitsInOrders in audit-repository.ts). */
const ORDER_AUDIT_ATTRIBUTES = ['status', 'items', 'refund'];
/** What the payment reconciler reads of the newest orders (chargedOrdersSince in audit-repository.ts). */
const ORDER_SUMMARY_ATTRIBUTES = ['entity', 'id', 'status', 'payment', 'createdAt'];

/**
 * Generic overloaded indexes (ElectroDB style). The order lists (a customer's, by status, all)
 * read the index for keys only and the orders from the table (orderPage in order-repository.ts):
 * an order is 2–3 KB and rewritten at every step of its workflow, and a full copy in each of
 * three indexes made most of an order's write units (`npm run cost`, DynamoDB writes by index).
 * | index | entities (keys.ts)                          | Queries on it                                   | projected                  |
 * |-------|---------------------------------------------|-------------------------------------------------|----------------------------|
 * | gsi1  | product (catalog), cart line (holds of SKU), order (customer's) | catalog page; expired holds of a SKU, held units (audit); customer's orders (keys) | product, hold |
 * | gsi2  | cart line (expiry), order (by status)       | sweeper; audit's orders by status; admin list by status (keys) | hold, order's audit fields |
 * | gsi3  | order (all)                                 | reconciler's newest orders; admin list of all (keys) | order summary         |
 */
export const GLOBAL_INDEXES = [
  { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projected: [...HOLD_ATTRIBUTES, ...PRODUCT_ATTRIBUTES] },
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projected: [...HOLD_ATTRIBUTES, ...ORDER_AUDIT_ATTRIBUTES] },
  { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projected: ORDER_SUMMARY_ATTRIBUTES },
] as const satisfies readonly GlobalIndex[];

/** The name of one of the GLOBAL_INDEXES: a query can only name an index the table has. */
export type IndexName = (typeof GLOBAL_INDEXES)[number]['indexName'];
