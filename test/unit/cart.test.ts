import {
  addCartItemSchema,
  CartLineLimit,
  cartIdOf,
  cartView,
  checkQuantityLimit,
  holdDelta,
  holdExpiry,
  isLive,
  lineName,
  lineStanding,
  PriceChanged,
  quantityAfterAdd,
  QuantityLimitExceeded,
  requireLiveLine,
  reviewForCheckout,
  updateCartItemSchema,
  type Hold,
  type SkuInfo,
} from '../../functions/domain/cart';
import { NotFound } from '../../functions/domain/errors';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const hold = (over: Partial<Hold> = {}): Hold => ({
  customerId: 'alice',
  sku: 'MUG-1',
  productId: 'p1',
  name: 'Mug',
  unitPrice: { amount: 1200, currency: 'USD' },
  quantity: 2,
  holdId: 'h1',
  rev: 1,
  holdExpiresAt: '2030-01-01T12:10:00.000Z',
  createdAt: '2030-01-01T11:55:00.000Z',
  updatedAt: '2030-01-01T11:55:00.000Z',
  ...over,
});
const expired = (over: Partial<Hold> = {}) => hold({ holdExpiresAt: '2030-01-01T11:59:59.999Z', ...over });
const usd = (amount: number) => ({ amount, currency: 'USD' });
/** The catalog's VARIANT items as the cart reads them: SKU → product and current price. */
const catalogOf = (...infos: Partial<SkuInfo>[]) =>
  new Map(infos.map((info) => [info.sku ?? 'MUG-1', { sku: 'MUG-1', productId: 'p1', productName: 'Mug', price: usd(1200), ...info } as SkuInfo]));
const POLICY = { ttlSeconds: 900, maxLifetimeSeconds: 3600 };

describe('hold expiry', () => {
  it('expires TTL seconds after it is placed, with the TTL attribute in epoch seconds', () => {
    expect(holdExpiry(NOW, POLICY)).toEqual({ holdExpiresAt: '2030-01-01T12:15:00.000Z', ttl: NOW.getTime() / 1000 + 900 });
  });

  it('renews TTL seconds from now, but never past the first hold plus the maximum lifetime', () => {
    expect(holdExpiry(NOW, POLICY, '2030-01-01T11:30:00.000Z').holdExpiresAt).toBe('2030-01-01T12:15:00.000Z');
    expect(holdExpiry(NOW, POLICY, '2030-01-01T11:10:00.000Z')).toEqual({
      holdExpiresAt: '2030-01-01T12:10:00.000Z',
      ttl: Date.parse('2030-01-01T12:10:00.000Z') / 1000,
    });
    expect(holdExpiry(NOW, { ttlSeconds: 900, maxLifetimeSeconds: 600 }).holdExpiresAt).toBe('2030-01-01T12:10:00.000Z');
  });

  it('is live strictly before its expiry and dead from it on', () => {
    expect(isLive(hold(), NOW)).toBe(true);
    expect(isLive(expired(), NOW)).toBe(false);
    expect(isLive(hold({ holdExpiresAt: NOW.toISOString() }), NOW)).toBe(false);
  });
});

describe('adding to a line', () => {
  it('grows a live line by the added units, and starts a new one at them', () => {
    expect(quantityAfterAdd('MUG-1', hold({ quantity: 2 }), 3)).toBe(5);
    expect(quantityAfterAdd('MUG-1', undefined, 3)).toBe(3);
  });

  it('refuses a line above 99 units', () => {
    expect(() => quantityAfterAdd('MUG-1', hold({ quantity: 98 }), 2)).toThrow(CartLineLimit);
    expect(quantityAfterAdd('MUG-1', hold({ quantity: 98 }), 1)).toBe(99);
  });
});

describe('the per-customer cap', () => {
  it('refuses a line that grows above the cap, with the cap in the details', () => {
    expect(() => checkQuantityLimit('MUG-1', 2, 3, 2)).toThrow(QuantityLimitExceeded);
    expect(() => checkQuantityLimit('MUG-1', 0, 50, 2)).toThrow(expect.objectContaining({
      code: 'QUANTITY_LIMIT_EXCEEDED',
      statusCode: 409,
      details: [{ sku: 'MUG-1', inCart: 0, requested: 50, limit: 2 }],
    }));
  });

  it('allows up to the cap, and shrinking or renewing a line above a lowered cap', () => {
    expect(() => checkQuantityLimit('MUG-1', 0, 2, 2)).not.toThrow();
    expect(() => checkQuantityLimit('MUG-1', 5, 5, 2)).not.toThrow();
    expect(() => checkQuantityLimit('MUG-1', 5, 3, 2)).not.toThrow();
  });
});

describe('changing or removing a line', () => {
  it('needs a live line: an absent or expired one answers 404', () => {
    expect(requireLiveLine(hold(), 'MUG-1', NOW).quantity).toBe(2);
    expect(() => requireLiveLine(undefined, 'MUG-1', NOW)).toThrow(NotFound);
    expect(() => requireLiveLine(expired(), 'MUG-1', NOW)).toThrow(NotFound);
  });

  it('moves only the difference with the stock', () => {
    expect(holdDelta(hold({ quantity: 2 }), 5)).toBe(3);
    expect(holdDelta(hold({ quantity: 5 }), 2)).toBe(-3);
    expect(holdDelta(undefined, 4)).toBe(4);
  });
});

describe('the cart view', () => {
  it('lists live lines oldest first with the subtotal, hiding expired ones', () => {
    const holds = [
      hold({ sku: 'B', createdAt: '2030-01-01T11:58:00.000Z', quantity: 1, unitPrice: { amount: 500, currency: 'USD' } }),
      hold({ sku: 'A', quantity: 2 }),
      expired({ sku: 'C' }),
    ];
    const cart = cartView('alice', holds, catalogOf({ sku: 'A' }, { sku: 'B', price: usd(500) }, { sku: 'C' }), NOW);
    expect(cart.items.map((i) => i.sku)).toEqual(['A', 'B']);
    expect(cart.subtotal).toEqual({ amount: 2 * 1200 + 500, currency: 'USD' });
    expect(Object.keys(cart.items[0]!).sort()).toEqual(['holdExpiresAt', 'name', 'productId', 'quantity', 'sku', 'unitPrice']);
  });

  it('has a stable opaque id per customer and an empty USD subtotal when empty', () => {
    const cart = cartView('alice', [], new Map(), NOW);
    expect(cart).toEqual({ id: cartIdOf('alice'), items: [], subtotal: { amount: 0, currency: 'USD' } });
    expect(cart.id).not.toContain('alice');
    expect(cartIdOf('bob')).not.toBe(cart.id);
  });

  it("shows the catalog's current price, and the recorded one when it changed", () => {
    const cart = cartView('alice', [hold({ quantity: 2, unitPrice: usd(1000) })], catalogOf({ price: usd(5000) }), NOW);
    expect(cart.items[0]).toMatchObject({ unitPrice: usd(5000), previousUnitPrice: usd(1000) });
    expect(cart.subtotal).toEqual(usd(10000));
  });

  it('flags the line of a product that left the catalog and leaves it out of the subtotal', () => {
    const holds = [hold({ sku: 'GONE' }), hold({ sku: 'MOVED' }), hold({ sku: 'MUG-1', quantity: 1 })];
    const cart = cartView('alice', holds, catalogOf({ sku: 'MOVED', productId: 'another' }, { sku: 'MUG-1' }), NOW);
    expect(cart.items.map((i) => [i.sku, i.unavailable ?? false])).toEqual([['GONE', true], ['MOVED', true], ['MUG-1', false]]);
    expect(cart.subtotal).toEqual(usd(1200));
  });

  it('names a line by product and variant', () => {
    const base = { sku: 'S', productId: 'p', price: { amount: 1, currency: 'USD' } };
    expect(lineName({ ...base, productName: 'Tee', variantName: 'M / Blue' })).toBe('Tee (M / Blue)');
    expect(lineName({ ...base, productName: 'Mug', variantName: 'Mug' })).toBe('Mug');
    expect(lineName({ ...base, productName: 'Mug' })).toBe('Mug');
  });
});

describe('the checkout review', () => {
  it('passes lines at their recorded price, and names gone and re-priced lines', () => {
    const [same, raised, gone] = [hold({ sku: 'SAME' }), hold({ sku: 'RAISED', unitPrice: usd(1000) }), hold({ sku: 'GONE' })];
    const review = reviewForCheckout([same, raised, gone], catalogOf({ sku: 'SAME' }, { sku: 'RAISED', price: usd(5000) }));
    expect(review).toEqual({ unavailable: [gone], repriced: [{ hold: raised, unitPrice: usd(5000) }] });
    expect(new PriceChanged(review.repriced)).toMatchObject({
      code: 'PRICE_CHANGED',
      statusCode: 409,
      details: [{ sku: 'RAISED', previousUnitPrice: usd(1000), unitPrice: usd(5000) }],
    });
  });

  it('treats a changed currency as a changed price', () => {
    expect(lineStanding(hold(), catalogOf({ price: { amount: 1200, currency: 'EUR' } }).get('MUG-1')).kind).toBe('repriced');
    expect(lineStanding(hold(), catalogOf({}).get('MUG-1')).kind).toBe('current');
  });
});

describe('request schemas', () => {
  it('accepts 1..99 units to add and 0..99 to set', () => {
    expect(addCartItemSchema.safeParse({ sku: 'A', quantity: 1 }).success).toBe(true);
    expect(addCartItemSchema.safeParse({ sku: 'A', quantity: 0 }).success).toBe(false);
    expect(addCartItemSchema.safeParse({ sku: 'A', quantity: 100 }).success).toBe(false);
    expect(addCartItemSchema.safeParse({ sku: 'A', quantity: 1.5 }).success).toBe(false);
    expect(addCartItemSchema.safeParse({ sku: '', quantity: 1 }).success).toBe(false);
    expect(updateCartItemSchema.safeParse({ quantity: 0 }).success).toBe(true);
  });
});
