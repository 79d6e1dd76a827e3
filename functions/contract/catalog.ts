/** The catalog's product routes (its search: search.ts; the admin's inventory: inventory.ts). */
import * as z from '../shared/zod';
import {
  listProductsQuerySchema,
  moneySchema,
  productParamsSchema,
  productReplaceSchema,
  productWriteSchema,
} from '../domain/catalog';
import { page, routes, timestamp, units } from './route';

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

/** The Cache-Control max-age of the public catalog reads (the search's too). */
export const CATALOG_MAX_AGE_SECONDS = 30;

export const catalogRoutes = routes({
  'list-products': {
    summary: 'The catalog, newest first, with per-variant availability',
    query: listProductsQuerySchema,
    cacheSeconds: CATALOG_MAX_AGE_SECONDS,
    responses: { 200: page(productSchema) },
  },
  'get-product': {
    summary: 'One product with per-variant availability',
    params: productParamsSchema,
    cacheSeconds: CATALOG_MAX_AGE_SECONDS,
    responses: { 200: productSchema },
    errors: { 404: ['NOT_FOUND'] },
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
});
