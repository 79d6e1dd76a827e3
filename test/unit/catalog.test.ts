import {
  encodeCatalogCursor,
  expectedVersion,
  isProductId,
  listProductsQuerySchema,
  MAX_VARIANTS,
  newProductId,
  productReplaceSchema,
  productWriteSchema,
  withAvailability,
  type StoredProduct,
} from '../../functions/domain/catalog';

const variant = (sku: string, amount = 2400, currency = 'USD') => ({ sku, name: `Tee ${sku}`, options: { size: 'M' }, price: { amount, currency } });
const valid = { name: 'Classic Tee', description: 'Organic cotton', tags: ['apparel'], images: ['https://cdn.example.com/tee.jpg'], variants: [variant('TEE-M')] };

const paths = (input: unknown, schema: { safeParse(x: unknown): { success: boolean; error?: { issues: { path: PropertyKey[] }[] } } } = productWriteSchema) =>
  schema.safeParse(input).error?.issues.map((i) => i.path.join('.')) ?? [];

describe('product write schema', () => {
  it('accepts the contract shape and trims text', () => {
    const parsed = productWriteSchema.parse({ ...valid, name: '  Classic Tee  ' });
    expect(parsed).toEqual(valid);
  });

  it('defaults description, tags, images and options, and drops duplicate tags', () => {
    const parsed = productWriteSchema.parse({ name: 'Mug', tags: ['kitchen', 'kitchen'], variants: [{ sku: 'MUG', name: 'Mug', price: { amount: 0, currency: 'EUR' } }] });
    expect(parsed).toEqual({ name: 'Mug', description: '', tags: ['kitchen'], images: [], variants: [{ sku: 'MUG', name: 'Mug', options: {}, price: { amount: 0, currency: 'EUR' } }] });
  });

  it('ignores read-only fields a client echoes back (id, version, available …)', () => {
    const read = { ...valid, id: 'prd_x', version: 3, createdAt: 'x', updatedAt: 'y', variants: [{ ...variant('TEE-M'), available: 7 }] };
    expect(productWriteSchema.parse(read)).toEqual(valid);
  });

  it('needs at least one variant and at most MAX_VARIANTS', () => {
    expect(paths({ ...valid, variants: [] })).toEqual(['variants']);
    const many = Array.from({ length: MAX_VARIANTS + 1 }, (_, i) => variant(`V-${i}`));
    expect(paths({ ...valid, variants: many })).toEqual(['variants']);
    expect(paths({ ...valid, variants: many.slice(0, MAX_VARIANTS) })).toEqual([]);
  });

  it('refuses a SKU twice in one product, pointing at the second', () => {
    expect(paths({ ...valid, variants: [variant('A'), variant('B'), variant('A')] })).toEqual(['variants.2.sku']);
  });

  it.each([
    ['a fractional amount', { amount: 12.5, currency: 'USD' }],
    ['a negative amount', { amount: -1, currency: 'USD' }],
    ['a string amount', { amount: '100', currency: 'USD' }],
    ['a lower-case currency', { amount: 100, currency: 'usd' }],
    ['a 4-letter currency', { amount: 100, currency: 'USDT' }],
    ['a missing currency', { amount: 100 }],
  ])('refuses %s', (_label, price) => {
    expect(paths({ ...valid, variants: [{ ...variant('X'), price }] })).toEqual(expect.arrayContaining([expect.stringMatching(/^variants\.0\.price/)]));
  });

  it('refuses mixed currencies within one product', () => {
    expect(paths({ ...valid, variants: [variant('A', 100, 'USD'), variant('B', 100, 'EUR')] })).toEqual(['variants']);
  });

  it.each(['', 'has space', 'a#b', 'slash/sku', '-leading', 'x'.repeat(65)])('refuses the SKU %p', (sku) => {
    expect(paths({ ...valid, variants: [variant(sku)] })).toEqual(['variants.0.sku']);
  });

  it('refuses unknown fields, non-string options, empty names and non-http images', () => {
    expect(paths({ ...valid, colour: 'red' })).toEqual(['']);
    expect(paths({ ...valid, variants: [{ ...variant('A'), options: { size: 10 } }] })).toEqual(['variants.0.options.size']);
    expect(paths({ ...valid, name: '   ' })).toEqual(['name']);
    expect(paths({ ...valid, images: ['javascript:alert(1)'] })).toEqual(['images.0']);
  });
});

describe('product replace and its version', () => {
  it('carries the body version next to the product', () => {
    expect(productReplaceSchema.parse({ ...valid, version: 4 })).toEqual({ product: valid, version: 4 });
    expect(paths({ ...valid, version: 0 }, productReplaceSchema)).toEqual(['version']);
    expect(paths({ ...valid, version: '4' }, productReplaceSchema)).toEqual(['version']);
  });

  it.each([
    [4, undefined, 4],
    [undefined, '"4"', 4],
    [undefined, 'W/"4"', 4],
    [undefined, '4', 4],
    [4, '"4"', 4],
  ])('body %p with If-Match %p expects version %p', (body, header, expected) => {
    expect(expectedVersion(body, header)).toBe(expected);
  });

  it('explains when the version is missing, unreadable or contradictory', () => {
    expect(typeof expectedVersion(undefined, undefined)).toBe('string');
    expect(typeof expectedVersion(undefined, '"abc"')).toBe('string');
    expect(typeof expectedVersion(3, '"4"')).toBe('string');
  });
});

describe('ids, cursors and availability', () => {
  it('issues time-ordered product ids it recognises', () => {
    const earlier = newProductId(1_700_000_000_000);
    const later = newProductId(1_700_000_000_001);
    expect(isProductId(earlier)).toBe(true);
    expect(earlier < later).toBe(true);
    expect(isProductId('prd_../../etc')).toBe(false);
  });

  it('round-trips a cursor and refuses anything else', () => {
    const position = { createdAt: '2025-01-02T03:04:05.678Z', id: newProductId() };
    expect(listProductsQuerySchema.parse({ cursor: encodeCatalogCursor(position) })).toEqual({ limit: 20, cursor: position });
    expect(listProductsQuerySchema.safeParse({ cursor: 'bm9wZQ' }).success).toBe(false);
    expect(listProductsQuerySchema.safeParse({ cursor: Buffer.from('2025-01-02T03:04:05.678Z#x').toString('base64url') }).success).toBe(false);
  });

  it.each(['0', '101', '1.5', 'ten', ''])('refuses limit=%p', (limit) => {
    expect(listProductsQuerySchema.safeParse({ limit }).success).toBe(false);
  });

  it('reads an absent stock record as nothing available', () => {
    const stored: StoredProduct = { id: 'p', ...productWriteSchema.parse({ ...valid, variants: [variant('A'), variant('B')] }), version: 1, createdAt: 'c', updatedAt: 'u' };
    const product = withAvailability(stored, new Map([['A', 5]]));
    expect(product.variants.map((v) => [v.sku, v.available])).toEqual([['A', 5], ['B', 0]]);
  });
});
