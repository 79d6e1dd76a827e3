/**
 * Products in the single table (keys and access patterns: keys.ts, `productKeys`, `skuKeys`).
 * A product item embeds its variants; each variant also has a SKU item, written in the same
 * transaction, whose conditional put keeps SKUs unique across the catalog. Availability is read
 * from the stock records (owned by the inventory code) and never written here.
 */
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import {
  encodeCatalogCursor,
  SkuStockInUse,
  SkuTaken,
  isProductId,
  newProductId,
  withAvailability,
  type ListProductsQuery,
  type Product,
  type ProductWrite,
  type StoredProduct,
  type Variant,
} from '../../domain/catalog';
import { NotFound, VersionConflict } from '../../domain/errors';
import { productKeys, skuKeys } from './keys';
import { getStockLevels } from './stock-repository';
import { batchGet, cancellationCodes, entityTag, getItem, isEntity, queryIndex, streamImageItem, transactWrite, type TransactItem } from './table';
import type { Page } from '../../domain/page';


/** A variant item may be (re)written by its own product, or claimed when no product owns it. */
const OWNED_OR_FREE = 'attribute_not_exists(pk) OR productId = :productId';

/**
 * One product with per-variant availability.
 * @throws NotFound when no such product exists
 */
export async function getProduct(productId: string): Promise<Product> {
  const [product] = await getProducts([productId]);
  if (!product) throw new NotFound('Product', productId);
  return product;
}

/** The catalog, newest first, `limit` per page. */
export async function listProducts({ limit, cursor }: ListProductsQuery): Promise<Page<Product>> {
  const { Items = [] } = await queryIndex(productKeys.catalog, {
    ScanIndexForward: false,
    ExclusiveStartKey: cursor && { ...productKeys.product(cursor.id), ...productKeys.catalogIndex(cursor.createdAt, cursor.id) },
    Limit: limit + 1, // one more tells whether another page exists
  });
  const shown = Items.slice(0, limit).map(toStored);
  const last = shown.at(-1);
  return { items: await withStock(shown), nextCursor: Items.length > limit && last ? encodeCatalogCursor(last) : null };
}

/**
 * The products with these ids that exist, with availability, in no particular order. One
 * BatchGet reads the products and the stock of the SKUs they had when this process last read
 * them (a hint, checked against what comes back): a second one reads only the stock of SKUs it
 * did not know, so a product read is usually one round trip.
 */
export async function getProducts(productIds: readonly string[]): Promise<Product[]> {
  const ids = [...new Set(productIds.filter(isProductId))];
  const hinted = [...new Set(ids.flatMap((id) => knownSkus.get(id) ?? []))];
  const items = await batchGet([...ids.map(productKeys.product), ...hinted.map(skuKeys.stock)], { attributes: [...PRODUCT_ATTRIBUTES, 'available', 'shardSlots'] });
  const products = items.filter((item) => isEntity(item, 'PRODUCT')).map(toStored);
  const stock = items.filter((item) => isEntity(item, 'STOCK'));
  // A sharded SKU's first record holds only its own shard's units: those SKUs are summed below.
  const sharded = new Set(stock.filter((item) => Number(item.shardSlots ?? 1) > 1).map((item) => item.sku as string));
  const available = new Map(stock.filter((item) => !sharded.has(item.sku as string)).map((item) => [item.sku as string, Number(item.available ?? 0)]));
  const unknown = products.flatMap((p) => p.variants.map((v) => v.sku)).filter((sku) => !hinted.includes(sku) || sharded.has(sku));
  for (const [sku, units] of await availability(unknown)) available.set(sku, units);
  for (const product of products) remember(product);
  return products.map((p) => withAvailability(p, available));
}

/** Per product id, its SKUs as last read: which stock records to fetch with it next time. */
const knownSkus = new Map<string, readonly string[]>();
const MAX_KNOWN_PRODUCTS = 5_000;
const PRODUCT_ATTRIBUTES = ['pk', 'sk', 'entity', 'sku', 'id', 'name', 'description', 'tags', 'images', 'variants', 'version', 'createdAt', 'updatedAt'];

function remember(product: StoredProduct): void {
  knownSkus.delete(product.id);
  knownSkus.set(product.id, product.variants.map((v) => v.sku));
  if (knownSkus.size > MAX_KNOWN_PRODUCTS) knownSkus.delete(knownSkus.keys().next().value!);
}

/**
 * Creates a product (version 1) and its SKU items in one transaction.
 * @throws SkuTaken when one of its SKUs belongs to another product
 * @throws SkuStockInUse when a SKU of a deleted product still has units in carts or orders
 */
export async function createProduct(write: ProductWrite): Promise<Product> {
  const at = new Date().toISOString();
  const product: StoredProduct = { id: newProductId(), ...write, version: 1, createdAt: at, updatedAt: at };
  await requireSettledStock(product.variants.map((v) => v.sku));
  await transact(
    [putProduct(product, 'attribute_not_exists(pk)'), ...product.variants.map((v) => putVariant(product, v))],
    product.variants.map((v) => v.sku),
    () => Promise.reject(new Error(`product id ${product.id} collided`)),
  );
  return (await withStock([product]))[0]!;
}

/**
 * Replaces a product if it is still at `expectedVersion`; SKU items of added variants are
 * claimed, of kept ones rewritten, of removed ones deleted, all in the same transaction.
 * @throws NotFound, VersionConflict, SkuTaken, SkuStockInUse
 */
export async function replaceProduct(productId: string, write: ProductWrite, expectedVersion: number): Promise<Product> {
  const current = await readProduct(productId, true);
  if (!current) throw new NotFound('Product', productId);
  if (current.version !== expectedVersion) throw new VersionConflict(expectedVersion, current.version);
  const next: StoredProduct = { ...current, ...write, version: current.version + 1, updatedAt: new Date().toISOString() };
  const kept = new Set(next.variants.map((v) => v.sku));
  const removed = current.variants.filter((v) => !kept.has(v.sku));
  const owned = new Set(current.variants.map((v) => v.sku));
  await requireSettledStock(next.variants.map((v) => v.sku).filter((sku) => !owned.has(sku)));
  await transact(
    [
      putProduct(next, 'version = :expected', { ':expected': expectedVersion }),
      ...next.variants.map((v) => putVariant(next, v)),
      ...removed.map((v) => deleteVariant(productId, v.sku)),
    ],
    [...next.variants.map((v) => v.sku), ...removed.map((v) => v.sku)],
    () => productChanged(productId, expectedVersion),
  );
  return (await withStock([next]))[0]!;
}

/**
 * Deletes a product and its SKU items. Stock records stay: they belong to the inventory, and
 * carts or orders may still account for units of those SKUs (GET /admin/inventory keeps showing
 * them; carts refuse to grow such lines and checkout releases them).
 * @throws NotFound when no such product exists
 */
export async function deleteProduct(productId: string, attempt = 1): Promise<void> {
  const current = await readProduct(productId, true);
  if (!current) throw new NotFound('Product', productId);
  try {
    await transact(
      [
        { Delete: { Key: productKeys.product(productId), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': current.version } } },
        ...current.variants.map((v) => deleteVariant(productId, v.sku)),
      ],
      current.variants.map((v) => v.sku),
      () => productChanged(productId, current.version),
    );
  } catch (error) {
    // A concurrent replace moved the version: delete what is there now.
    if (error instanceof VersionConflict && attempt < 3) return deleteProduct(productId, attempt + 1);
    throw error;
  }
}

/**
 * A SKU outside the catalog (its product deleted, or its variant removed) may still have units in
 * carts and orders of the product it belonged to. Claiming it then would mix those units into the
 * new product's stock, so the claim waits (409 SKU_STOCK_IN_USE) until they have settled: holds
 * lapse or are removed (a gone product's line can no longer be renewed) and orders are paid or
 * released. After that, the new variant takes the stock record over as it stands (units on the
 * shelf and units sold belong to the SKU). Nothing holds or reserves units of a SKU outside the
 * catalog (bar an add that read the VARIANT just before the delete), so the counts read here can
 * only fall before the claim commits.
 */
async function requireSettledStock(skus: string[]): Promise<void> {
  if (skus.length === 0) return;
  const [variants, stocks] = await Promise.all([batchGet(skus.map(skuKeys.variant), { consistent: true }), getStockLevels(skus, { consistent: true })]);
  const inCatalog = new Set(variants.map((item) => item.sku as string));
  const inUse = skus.flatMap((sku) => {
    if (inCatalog.has(sku)) return []; // in the catalog: the transaction decides (own SKU, or SKU_TAKEN)
    const stock = stocks.get(sku);
    const [held, reserved] = [stock?.held ?? 0, stock?.reserved ?? 0];
    return held + reserved > 0 ? [{ sku, held, reserved }] : [];
  });
  if (inUse.length) throw new SkuStockInUse(inUse);
}

async function readProduct(productId: string, consistent = false): Promise<StoredProduct | undefined> {
  if (!isProductId(productId)) return undefined;
  const { Item } = await getItem({ Key: productKeys.product(productId), ConsistentRead: consistent });
  return Item && toStored(Item);
}

/**
 * Runs a transaction whose first item is the product; on a failed condition tells why:
 * the product's own condition → `onProductFailed`, a SKU item's → SkuTaken for those SKUs
 * (`skus[i]` is the SKU of transaction item i + 1).
 */
async function transact(items: TransactItem[], skus: string[], onProductFailed: () => Promise<never>): Promise<void> {
  try {
    await transactWrite(items); // a concurrent transaction on these items is retried, then 429
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes.length === 0) throw error;
    const failed = codes.map((code, i) => (code === 'ConditionalCheckFailed' ? i : -1)).filter((i) => i >= 0);
    if (failed.includes(0)) return onProductFailed();
    if (failed.length) throw new SkuTaken(failed.map((i) => skus[i - 1]!));
    throw error;
  }
}

/** Why a product's conditional write failed: gone (404) or moved on (409). */
async function productChanged(productId: string, expectedVersion: number): Promise<never> {
  const now = await readProduct(productId, true);
  throw now ? new VersionConflict(expectedVersion, now.version) : new NotFound('Product', productId);
}

function putProduct(product: StoredProduct, condition: string, values?: Record<string, unknown>): TransactItem {
  return {
    Put: {
      Item: {
        ...productKeys.product(product.id),
        ...productKeys.catalogIndex(product.createdAt, product.id),
        ...entityTag('PRODUCT'),
        ...product,
      },
      ConditionExpression: condition,
      ExpressionAttributeValues: values,
    },
  };
}

/** The SKU item carts and checkout resolve a SKU with. */
function putVariant(product: StoredProduct, variant: Variant): TransactItem {
  return {
    Put: {
      Item: {
        ...skuKeys.variant(variant.sku),
        ...entityTag('VARIANT'),
        sku: variant.sku,
        productId: product.id,
        productName: product.name,
        variantName: variant.name,
        options: variant.options,
        price: variant.price,
      },
      ConditionExpression: OWNED_OR_FREE,
      ExpressionAttributeValues: { ':productId': product.id },
    },
  };
}

function deleteVariant(productId: string, sku: string): TransactItem {
  return {
    Delete: {
      Key: skuKeys.variant(sku),
      ConditionExpression: OWNED_OR_FREE,
      ExpressionAttributeValues: { ':productId': productId },
    },
  };
}

/** Adds per-variant availability from the stock records (absent record → 0). */
async function withStock(products: StoredProduct[]): Promise<Product[]> {
  const available = await availability(products.flatMap((p) => p.variants.map((v) => v.sku)));
  return products.map((p) => withAvailability(p, available));
}

/** Units available per SKU, summed over a sharded SKU's shards (SKUs without stock are absent). */
async function availability(skus: readonly string[]): Promise<Map<string, number>> {
  if (skus.length === 0) return new Map();
  const levels = await getStockLevels(skus);
  return new Map([...levels].map(([sku, stock]) => [sku, stock.available]));
}

/** The product in a table-stream image (NewImage / OldImage), or undefined for any other entity. */
export function productFromStreamImage(image: Record<string, unknown> | undefined): StoredProduct | undefined {
  const item = streamImageItem(image, 'PRODUCT');
  return item && typeof item.id === 'string' && typeof item.version === 'number' ? toStored(item) : undefined;
}

/** Reads the product's fields from a stored item (leaving its key and index attributes behind). */
function toStored(item: Record<string, NativeAttributeValue>): StoredProduct {
  const { id, name, description, tags, images, variants, version, createdAt, updatedAt } = item;
  return { id, name, description, tags, images, variants: variants.map(toVariant), version, createdAt, updatedAt };
}

/** Variants written before empty options were stored have none: they read back as `{}`. */
function toVariant({ sku, name, options, price }: Record<string, NativeAttributeValue>): Variant {
  return { sku, name, options: options ?? {}, price };
}
