/**
 * The catalog: products with their variants, as plain schemas and types (no AWS). The zod
 * schemas are the single source for request validation, the stored shapes and the response
 * types of the catalog routes.
 */
import { randomBytes } from 'node:crypto';
import * as z from '../shared/zod';
import type { productSchema } from '../contract/catalog';
import { Conflict } from './errors';
import { multiLine, singleLine } from './text';

/**
 * Variants per product. A full replace writes the product plus every old and every new variant
 * item in one TransactWriteItems (at most 100 items): 1 + 2 × 49 = 99.
 */
export const MAX_VARIANTS = 49;

/**
 * SKUs travel in URL paths (/admin/inventory/{sku}, /cart/items/{sku}) and inside keys, so they
 * are URL-safe and never contain the key separator `#`. They are case-sensitive, as given.
 */
export const skuSchema = z
  .string()
  .check(z.trim(), z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit'));

/** The contract's money: integer minor units and an ISO 4217 code in upper case. */
export const moneySchema = z.strictObject({
  amount: z.int('Must be an integer amount in minor units').check(z.gte(0, 'Must not be negative'), z.lte(1e12, 'Too large')),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'Must be a 3-letter upper-case currency code, e.g. "USD"')),
});
export type Money = z.output<typeof moneySchema>;

export const variantSchema = z.strictObject({
  sku: skuSchema,
  name: singleLine(200),
  options: z._default(
    z.record(singleLine(50), singleLine(100)).check(z.refine((options) => Object.keys(options).length <= 10, 'At most 10 options')),
    {},
  ),
  price: moneySchema,
  /** Read-only: a client may echo a read back; stock is set through /admin/inventory. */
  available: z.optional(z.unknown()),
});

/** Fields of a read that a client may send back unchanged; accepted on writes and ignored. */
const readOnly = { id: z.optional(z.unknown()), createdAt: z.optional(z.unknown()), updatedAt: z.optional(z.unknown()) };

const productFields = {
  name: singleLine(200),
  description: z._default(multiLine(5000), ''),
  tags: z._default(z.array(singleLine(50)).check(z.maxLength(20, 'At most 20 tags')), []),
  images: z._default(
    z.array(z.url({ protocol: /^https?$/, error: 'Must be an http(s) URL' }).check(z.maxLength(2000))).check(z.maxLength(10, 'At most 10 images')),
    [],
  ),
  variants: z
    .array(variantSchema)
    .check(z.minLength(1, 'A product needs at least one variant'), z.maxLength(MAX_VARIANTS, `At most ${MAX_VARIANTS} variants`)),
};

/** Cross-field rules: SKUs unique within the product; one currency per product (carts sum prices). */
function checkVariants(product: { variants: { sku: string; price: Money }[] }, ctx: z.core.$RefinementCtx): void {
  const seen = new Set<string>();
  product.variants.forEach((variant, index) => {
    if (seen.has(variant.sku)) {
      ctx.addIssue({ code: 'custom', path: ['variants', index, 'sku'], message: `Duplicate SKU ${variant.sku} in this product` });
    }
    seen.add(variant.sku);
  });
  const currencies = new Set(product.variants.map((v) => v.price.currency));
  if (currencies.size > 1) {
    ctx.addIssue({ code: 'custom', path: ['variants'], message: 'All variants of a product must share one currency' });
  }
}

function toWrite(input: z.output<z.ZodMiniObject<typeof productFields>>): ProductWrite {
  return {
    name: input.name,
    description: input.description,
    tags: [...new Set(input.tags)],
    images: input.images,
    variants: input.variants.map(({ sku, name, options, price }) => ({ sku, name, options, price })),
  };
}

/** POST /admin/products: the contract's product write. Unknown fields are refused (typos are not lost). */
export const productWriteSchema = z.pipe(
  z.strictObject({ ...productFields, ...readOnly, version: z.optional(z.unknown()) }).check(z.superRefine(checkVariants)),
  z.transform(toWrite),
);

/** PUT /admin/products/{id}: the full product plus the version it replaces (or send If-Match). */
export const productReplaceSchema = z.pipe(
  z
    .strictObject({ ...productFields, ...readOnly, version: z.optional(z.int().check(z.gte(1, 'Must be a version number ≥ 1'))) })
    .check(z.superRefine(checkVariants)),
  z.transform((input: z.output<z.ZodMiniObject<typeof productFields>> & { version?: number }) => ({ product: toWrite(input), version: input.version })),
);

export interface Variant {
  readonly sku: string;
  readonly name: string;
  readonly options: Record<string, string>;
  readonly price: Money;
}

/** What an admin writes. */
export interface ProductWrite {
  readonly name: string;
  readonly description: string;
  readonly tags: string[];
  readonly images: string[];
  readonly variants: Variant[];
}

/** A product as stored: the write plus identity and optimistic-concurrency version. */
export interface StoredProduct extends ProductWrite {
  readonly id: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A product as the API returns it: per variant, the units a customer can still buy (functions/contract/catalog.ts). */
export type Product = z.output<typeof productSchema>;

/** 409 SKU_TAKEN: a SKU of the write already belongs to another product. */
export class SkuTaken extends Conflict {
  constructor(skus: string[]) {
    super('SKU_TAKEN', `SKU ${skus.join(', ')} already belongs to another product.`, skus.map((sku) => ({ sku })));
  }
}

/**
 * 409 SKU_STOCK_IN_USE: a SKU of a deleted product (or removed variant) still has units in carts
 * or orders of that product; it can be listed again once they have settled.
 */
export class SkuStockInUse extends Conflict {
  constructor(skus: { sku: string; held: number; reserved: number }[]) {
    super(
      'SKU_STOCK_IN_USE',
      `SKU ${skus.map((s) => s.sku).join(', ')} still has units in carts or orders of its former product; retry once they have settled.`,
      skus,
    );
  }
}

const PRODUCT_ID = /^prd_[0-9a-z]{9}[0-9a-f]{12}$/;

/** Time-ordered product ids: `prd_` + base-36 milliseconds + 48 random bits. */
export const newProductId = (now = Date.now()) => `prd_${now.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;

/** True for ids this catalog could have issued; anything else is simply not found. */
export const isProductId = (id: string) => PRODUCT_ID.test(id);

/** Adds per-variant availability (absent stock record: nothing to sell). */
export function withAvailability(product: StoredProduct, available: ReadonlyMap<string, number>): Product {
  return { ...product, variants: product.variants.map((v) => ({ ...v, available: available.get(v.sku) ?? 0 })) };
}

/**
 * The version a replace must match: the body's `version` or the If-Match header (`"3"`, `W/"3"`
 * or `3`). Returns an error message instead when neither is usable or the two disagree.
 */
export function expectedVersion(bodyVersion: number | undefined, ifMatch: string | undefined): number | string {
  const header = ifMatch?.trim();
  const fromHeader = header ? /^(?:W\/)?"?(\d{1,15})"?$/.exec(header)?.[1] : undefined;
  if (header && fromHeader === undefined) return 'If-Match must carry the product version, e.g. "3"';
  const headerVersion = fromHeader === undefined ? undefined : Number(fromHeader);
  if (bodyVersion !== undefined && headerVersion !== undefined && bodyVersion !== headerVersion) {
    return 'The body version and If-Match disagree';
  }
  return bodyVersion ?? headerVersion ?? 'Send the version you replace: `version` in the body or an If-Match header';
}

const CURSOR_POSITION = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#prd_[0-9a-z]{9}[0-9a-f]{12}$/;

/** The opaque list cursor: base64url of the last product's catalog position. */
export const encodeCatalogCursor = (position: { createdAt: string; id: string }) =>
  Buffer.from(`${position.createdAt}#${position.id}`).toString('base64url');

/** GET /products: `?limit=1..100` (default 20) and an opaque `cursor`, decoded to its position. */
export const listProductsQuerySchema = z.object({
  limit: z._default(
    z.coerce.number('Must be a number').check(z.int('Must be an integer'), z.gte(1, 'At least 1'), z.lte(100, 'At most 100')),
    20,
  ),
  cursor: z.optional(
    z.pipe(
      z
        .pipe(
          z.string(),
          z.transform((cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8')),
        )
        .check(z.refine((position) => CURSOR_POSITION.test(position), 'Not a cursor of this list')),
      z.transform((position: string) => {
        const at = position.indexOf('#');
        return { createdAt: position.slice(0, at), id: position.slice(at + 1) };
      }),
    ),
  ),
});
export type ListProductsQuery = z.output<typeof listProductsQuerySchema>;

/** Path parameter of the product routes; the format check happens in the repository (→ 404). */
export const productParamsSchema = z.object({ productId: z.string().check(z.maxLength(200)) });
