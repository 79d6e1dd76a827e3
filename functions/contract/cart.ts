/** The cart's routes: every line is a soft hold on stock. */
import * as z from '../shared/zod';
import { addCartItemSchema, cartItemParamsSchema, updateCartItemSchema } from '../domain/cart';
import { moneySchema } from '../domain/catalog';
import { routes, timestamp } from './route';

export const cartLineSchema = z.object({
  sku: z.string(),
  productId: z.string(),
  name: z.string(),
  quantity: z.int().check(z.gte(1)),
  /** The catalog's current price: what checkout charges. */
  unitPrice: moneySchema,
  /** Present when the price changed since the customer was told it. */
  previousUnitPrice: z.optional(moneySchema),
  unavailable: z.withMeta(z.optional(z.literal(true)), {
    description: 'Present when the product left the catalog: checkout refuses and releases the line',
  }),
  holdExpiresAt: timestamp,
});

/** The caller's cart: live holds only, oldest line first, at current prices. */
export const cartSchema = z.withMeta(
  z.object({ id: z.withMeta(z.string(), { example: 'cart_3q2Yw8…' }), items: z.array(cartLineSchema), subtotal: moneySchema }),
  { id: 'Cart' },
);

const QUANTITY_CONFLICTS = ['INSUFFICIENT_STOCK', 'QUANTITY_LIMIT_EXCEEDED', 'CART_LINE_LIMIT', 'PRODUCT_UNAVAILABLE'] as const;

export const cartRoutes = routes({
  'get-cart': {
    summary: "The caller's cart: items, unit prices, hold expiry, subtotal",
    responses: { 200: cartSchema },
  },
  'add-cart-item': {
    summary: 'Adds units to the cart and holds them (15 minutes by default)',
    body: addCartItemSchema,
    responses: {
      201: { schema: cartSchema, description: 'A new line: the cart' },
      200: { schema: cartSchema, description: 'An existing line grew, its hold renewed: the cart' },
    },
    errors: { 404: ['NOT_FOUND'], 409: QUANTITY_CONFLICTS },
  },
  'update-cart-item': {
    summary: "Sets a line's quantity (0 removes it), moving only the difference with the stock",
    params: cartItemParamsSchema,
    body: updateCartItemSchema,
    responses: { 200: cartSchema },
    errors: { 404: ['NOT_FOUND'], 409: QUANTITY_CONFLICTS },
  },
  'remove-cart-item': {
    summary: 'Removes a line and returns its held units to available',
    params: cartItemParamsSchema,
    responses: { 204: null },
    errors: { 404: ['NOT_FOUND'] },
  },
});
