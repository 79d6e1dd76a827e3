/**
 * The admin's inventory routes: a catalog SKU's stock buckets. Apart from catalog.ts so that the
 * inventory functions do not bundle the product and search schemas (`npm run bench:cold`); the
 * document lists them under the Catalog tag all the same (index.ts).
 */
import * as z from '../shared/zod';
import { adjustInventorySchema, inventoryParamsSchema, setInventorySchema } from '../domain/stock';
import { routes, units } from './route';

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

export const inventoryRoutes = routes({
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
