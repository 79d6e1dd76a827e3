/**
 * Every partition and sort key of the single table is built here, nowhere else. Each entity's
 * section starts with its access patterns. Index names and attributes: lib/table-schema.ts.
 *
 * | entity          | pk                      | sk                  | gsi1pk / gsi1sk                  | gsi2pk / gsi2sk |
 * |-----------------|-------------------------|---------------------|----------------------------------|-----------------|
 * | idempotency     | IDEMPOTENCY#<scope>     | KEY#<key>           | -                                | -               |
 * | product         | PRODUCT#<productId>     | PRODUCT             | CATALOG / <createdAt>#<id>       | -               |
 * | variant (sku)   | SKU#<sku>               | VARIANT             | -                                | -               |
 * | stock record    | SKU#<sku>               | STOCK               | -                                | -               |
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
