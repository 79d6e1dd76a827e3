import {
  addCartItemSchema,
  CartLineLimit,
  cartIdOf,
  cartView,
  holdDelta,
  holdExpiry,
  isLive,
  lineName,
  quantityAfterAdd,
  requireLiveLine,
  updateCartItemSchema,
  type Hold,
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

describe('hold expiry', () => {
  it('expires TTL seconds after it is placed, with the TTL attribute in epoch seconds', () => {
    expect(holdExpiry(NOW, 900)).toEqual({ holdExpiresAt: '2030-01-01T12:15:00.000Z', ttl: NOW.getTime() / 1000 + 900 });
  });

  it('is live strictly before its expiry and dead from it on', () => {
    expect(isLive(hold(), NOW)).toBe(true);
    expect(isLive(expired(), NOW)).toBe(false);
    expect(isLive(hold({ holdExpiresAt: NOW.toISOString() }), NOW)).toBe(false);
  });
});

describe('adding to a line', () => {
  it('grows a live line by the added units', () => {
    expect(quantityAfterAdd('MUG-1', hold({ quantity: 2 }), 3, NOW)).toBe(5);
  });

  it('replaces an expired line instead of reviving its lapsed units', () => {
    const dead = expired({ quantity: 4 });
    expect(quantityAfterAdd('MUG-1', dead, 1, NOW)).toBe(1);
    expect(holdDelta(dead, 1)).toBe(-3); // the surplus goes back to available in the same transaction
  });

  it('refuses a line above 99 units', () => {
    expect(() => quantityAfterAdd('MUG-1', hold({ quantity: 98 }), 2, NOW)).toThrow(CartLineLimit);
    expect(quantityAfterAdd('MUG-1', hold({ quantity: 98 }), 1, NOW)).toBe(99);
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
    const cart = cartView('alice', holds, NOW);
    expect(cart.items.map((i) => i.sku)).toEqual(['A', 'B']);
    expect(cart.subtotal).toEqual({ amount: 2 * 1200 + 500, currency: 'USD' });
    expect(Object.keys(cart.items[0]!).sort()).toEqual(['holdExpiresAt', 'name', 'productId', 'quantity', 'sku', 'unitPrice']);
  });

  it('has a stable opaque id per customer and an empty USD subtotal when empty', () => {
    const cart = cartView('alice', [], NOW);
    expect(cart).toEqual({ id: cartIdOf('alice'), items: [], subtotal: { amount: 0, currency: 'USD' } });
    expect(cart.id).not.toContain('alice');
    expect(cartIdOf('bob')).not.toBe(cart.id);
  });

  it('names a line by product and variant', () => {
    const base = { sku: 'S', productId: 'p', price: { amount: 1, currency: 'USD' } };
    expect(lineName({ ...base, productName: 'Tee', variantName: 'M / Blue' })).toBe('Tee (M / Blue)');
    expect(lineName({ ...base, productName: 'Mug', variantName: 'Mug' })).toBe('Mug');
    expect(lineName({ ...base, productName: 'Mug' })).toBe('Mug');
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
