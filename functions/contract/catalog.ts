/** The catalog's routes: products, search and the admin's inventory. */
import * as z from '../shared/zod';
import {
  listProductsQuerySchema,
  moneySchema,
  productParamsSchema,
  productReplaceSchema,
  productWriteSchema,
} from '../domain/catalog';
import { searchQuerySchema } from '../domain/search';
import { adjustInventorySchema, inventoryParamsSchema, setInventorySchema } from '../domain/stock';
import { page, routes, timestamp } from './route';

const units = z.int().check(z.gte(0));

/** A product as the API returns it: the write plus identity, version and, per variant, what can still be bought. */
export const productSchema = z.withMeta(
  z.object({
    id: z.withMeta(z.string(), { example: 'prd_0m5x3k2a91f3c4d5e6a7b' }),
    name: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    images: z.array(z.string()),
    variants: z.array(
      z.object({
        sku: z.string(),
        name: z.string(),
        options: z.withMeta(z.record(z.string(), z.string()), { example: { size: 'M' } }),
        price: moneySchema,
        available: z.withMeta(units, { description: 'Units a customer can still add to a cart' }),
      }),
    ),
    version: z.withMeta(z.int().check(z.gte(1)), { description: 'Send it back (or as If-Match) to replace the product' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  { id: 'Product' },
);

export const searchHitSchema = z.withMeta(z.extend(productSchema, { score: z.withMeta(z.number(), { description: 'Higher ranks first' }) }), {
  id: 'SearchHit',
});

/** One SKU's stock buckets: available + held + reserved + sold == total, none negative. */
export const inventorySchema = z.withMeta(
  z.object({
    sku: z.string(),
    total: units,
    available: units,
    held: units,
    reserved: units,
    sold: units,
    shards: z.withMeta(z.number().check(z.int(), z.gte(1), z.lte(32)), { description: 'Stock shards the counters are spread over (1: unsharded)' }),
  }),
  { id: 'Inventory' },
);

const CACHE_SECONDS = 30;

export const catalogRoutes = routes({
  'list-products': {
    summary: 'The catalog, newest first, with per-variant availability',
    query: listProductsQuerySchema,
    cacheSeconds: CACHE_SECONDS,
    responses: { 200: page(productSchema) },
  },
  'get-product': {
    summary: 'One product with per-variant availability',
    params: productParamsSchema,
    cacheSeconds: CACHE_SECONDS,
    responses: { 200: productSchema },
    errors: { 404: ['NOT_FOUND'] },
  },
  'search-products': {
    summary: 'Term and prefix search over name, tags and description, ranked',
    query: searchQuerySchema,
    cacheSeconds: CACHE_SECONDS,
    responses: { 200: page(searchHitSchema) },
  },
  'create-product': {
    summary: 'Creates a product (version 1)',
    body: productWriteSchema,
    responses: { 201: { schema: productSchema, description: 'Created', location: true } },
    errors: { 409: ['SKU_TAKEN', 'SKU_STOCK_IN_USE'] },
  },
  'update-product': {
    summary: 'Replaces a product, if it is still at the version sent (body `version` or If-Match)',
    params: productParamsSchema,
    body: productReplaceSchema,
    responses: { 200: productSchema },
    errors: { 404: ['NOT_FOUND'], 409: ['VERSION_CONFLICT', 'SKU_TAKEN', 'SKU_STOCK_IN_USE'] },
  },
  'delete-product': {
    summary: 'Removes a product and its SKUs from the catalog',
    params: productParamsSchema,
    responses: { 204: null },
    errors: { 404: ['NOT_FOUND'] },
  },
  'get-inventory': {
    summary: "A catalog SKU's stock (zeros before its first stocking)",
    params: inventoryParamsSchema,
    responses: { 200: inventorySchema },
    errors: { 404: ['NOT_FOUND'] },
  },
  'set-inventory': {
    summary: "Sets a SKU's total; available follows",
    params: inventoryParamsSchema,
    body: setInventorySchema,
    responses: { 200: inventorySchema },
    errors: { 404: ['NOT_FOUND'], 409: ['INVENTORY_BELOW_COMMITTED'] },
  },
  'adjust-inventory': {
    summary: 'Restocks (delta > 0) or writes off (delta < 0) units',
    params: inventoryParamsSchema,
    body: adjustInventorySchema,
    responses: { 200: inventorySchema },
    errors: { 404: ['NOT_FOUND'], 409: ['INVENTORY_BELOW_COMMITTED'] },
  },
});
