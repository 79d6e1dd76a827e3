/**
 * The cart and its soft holds, as plain data and rules. Pure: no I/O.
 *
 * Each cart line IS a hold: its quantity is exactly what the line keeps out of `available`
 * (in `held`). A hold lives until `holdExpiresAt`; after that it is dead for the customer (not
 * shown, not changeable) even if the sweeper has not yet returned its units. Adding or changing
 * a line renews that line's hold (the customer is active), but never past its first hold plus the
 * tenant's maximum hold lifetime; reading the cart renews nothing.
 *
 * A line records the unit price the customer was last told (when it was added, or in a checkout's
 * 409 PRICE_CHANGED). The cart shows the catalog's current price and flags a difference;
 * checkout charges only the current price, and refuses once when it differs from the recorded one.
 */
import { createHash } from 'node:crypto';
import * as z from '../shared/zod';
import type { cartLineSchema, cartSchema } from '../contract/cart';
import { skuSchema, type Money } from './catalog';
import { Conflict, NotFound } from './errors';

/** A cart line / soft hold as stored (minus keys). */
export interface Hold {
  readonly customerId: string;
  readonly sku: string;
  readonly productId: string;
  readonly name: string;
  readonly unitPrice: Money;
  readonly quantity: number;
  /** Identifies this hold's lifetime (from creation to release) for at-most-once release. */
  readonly holdId: string;
  /** Bumped on every write; conditional writes on it detect a concurrent change. */
  readonly rev: number;
  readonly holdExpiresAt: string;
  /** When the line's first hold was placed; renewals never push expiry past it plus the max lifetime. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The stock shard its units were taken from (absent: 0, the SKU's stock record itself). */
  readonly stockShard?: number;
}

/** The tenant's hold rules (settings HOLD_TTL_SECONDS, HOLD_MAX_LIFETIME_SECONDS, MAX_UNITS_PER_CUSTOMER). */
export interface HoldPolicy {
  /** How long a hold lasts after it is placed or renewed. */
  readonly ttlSeconds: number;
  /** How long after its first hold a line may still be renewed to. */
  readonly maxLifetimeSeconds: number;
  /** The most units of one SKU that one customer's cart may hold. */
  readonly maxUnitsPerCustomer: number;
}

/** What the catalog tells a cart about a SKU (its VARIANT item). */
export interface SkuInfo {
  readonly sku: string;
  readonly productId: string;
  readonly productName: string;
  readonly variantName?: string;
  readonly price: Money;
}

/** A line of the cart as the API shows it, and the cart (functions/contract/cart.ts). */
export type CartLine = z.output<typeof cartLineSchema>;
export type CartView = z.output<typeof cartSchema>;

/** Per line, like the request limit: one request may ask for 1..99, and so may a line. */
export const MAX_LINE_QUANTITY = 99;
export const DEFAULT_CURRENCY = 'USD';

/**
 * When a hold placed or renewed at `now` expires, as ISO time and as the TTL epoch seconds: the
 * TTL from now, but never later than the line's first hold (`firstHeldAt`) plus the max lifetime.
 */
export function holdExpiry(
  now: Date,
  policy: Pick<HoldPolicy, 'ttlSeconds' | 'maxLifetimeSeconds'>,
  firstHeldAt: string = now.toISOString(),
): { holdExpiresAt: string; ttl: number } {
  const renewed = now.getTime() + policy.ttlSeconds * 1000;
  const lifetimeEnd = Date.parse(firstHeldAt) + policy.maxLifetimeSeconds * 1000;
  const expires = new Date(Math.min(renewed, lifetimeEnd));
  return { holdExpiresAt: expires.toISOString(), ttl: Math.ceil(expires.getTime() / 1000) };
}

export const isLive = (hold: Hold, now: Date) => hold.holdExpiresAt > now.toISOString();

/**
 * The quantity a live line (or a new one) should have after adding `quantity`. A lapsed line is
 * never grown: the repository releases it first, so its units are no longer the customer's.
 */
export function quantityAfterAdd(sku: string, existing: Hold | undefined, quantity: number): number {
  const base = existing?.quantity ?? 0;
  const next = base + quantity;
  if (next > MAX_LINE_QUANTITY) throw new CartLineLimit(sku, base, quantity);
  return next;
}

/**
 * The tenant's per-customer cap: a line may not grow above `limit` units. Shrinking, or renewing
 * at the same quantity, is always allowed (a line may predate a lowered cap).
 */
export function checkQuantityLimit(sku: string, inCart: number, requested: number, limit: number): void {
  if (requested > inCart && requested > limit) throw new QuantityLimitExceeded(sku, inCart, requested, limit);
}

/** A PATCH or DELETE needs a live line: an expired one is already out of the cart. */
export function requireLiveLine(existing: Hold | undefined, sku: string, now: Date): Hold {
  if (!existing || !isLive(existing, now)) throw new NotFound('Cart item', sku);
  return existing;
}

/** The units to take from (positive) or give back to (negative) `available`. */
export const holdDelta = (existing: Hold | undefined, quantity: number) => quantity - (existing?.quantity ?? 0);

/** The cart line's display name from the catalog's product and variant names. */
export function lineName(info: SkuInfo): string {
  const variant = info.variantName?.trim();
  return variant && variant !== info.productName ? `${info.productName} (${variant})` : info.productName;
}

/** One stable cart id per customer; opaque, so it reveals nothing of the customer id. */
export function cartIdOf(customerId: string): string {
  return `cart_${createHash('sha256').update(customerId).digest('base64url').slice(0, 22)}`;
}

export const samePrice = (a: Money, b: Money) => a.amount === b.amount && a.currency === b.currency;

/** The catalog's word on a line now: buyable at its recorded price, re-priced, or gone. */
export type LineStanding =
  | { readonly kind: 'current'; readonly unitPrice: Money }
  | { readonly kind: 'repriced'; readonly unitPrice: Money; readonly previousUnitPrice: Money }
  | { readonly kind: 'unavailable' };

/**
 * A line whose SKU left the catalog, or now belongs to another product, is unavailable; otherwise
 * it is priced at the catalog's current price, `repriced` when that differs from the recorded one.
 */
export function lineStanding(hold: Hold, info: SkuInfo | undefined): LineStanding {
  if (!info || info.productId !== hold.productId) return { kind: 'unavailable' };
  if (samePrice(info.price, hold.unitPrice)) return { kind: 'current', unitPrice: info.price };
  return { kind: 'repriced', unitPrice: info.price, previousUnitPrice: hold.unitPrice };
}

/**
 * The customer's cart: live holds only, oldest line first, at the catalog's current prices
 * (`catalog`: SKU → its VARIANT item). The subtotal counts what checkout would buy, so it leaves
 * out lines of products that are gone.
 */
export function cartView(customerId: string, holds: readonly Hold[], catalog: ReadonlyMap<string, SkuInfo>, now: Date): CartView {
  const items = holds
    .filter((hold) => isLive(hold, now))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.sku.localeCompare(b.sku))
    .map((hold) => cartLine(hold, lineStanding(hold, catalog.get(hold.sku))));
  const buyable = items.filter((line) => !line.unavailable);
  const currency = buyable[0]?.unitPrice.currency ?? DEFAULT_CURRENCY;
  const amount = buyable.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 0);
  return { id: cartIdOf(customerId), items, subtotal: { amount, currency } };
}

function cartLine({ sku, productId, name, quantity, unitPrice, holdExpiresAt }: Hold, standing: LineStanding): CartLine {
  const line = { sku, productId, name, quantity, unitPrice, holdExpiresAt };
  if (standing.kind === 'unavailable') return { ...line, unavailable: true };
  if (standing.kind === 'repriced') return { ...line, unitPrice: standing.unitPrice, previousUnitPrice: standing.previousUnitPrice };
  return line;
}

/** What checkout must do before it may buy the cart: release gone lines, or tell new prices. */
export interface CheckoutReview {
  readonly unavailable: Hold[];
  readonly repriced: { readonly hold: Hold; readonly unitPrice: Money }[];
}

export function reviewForCheckout(holds: readonly Hold[], catalog: ReadonlyMap<string, SkuInfo>): CheckoutReview {
  const review: CheckoutReview = { unavailable: [], repriced: [] };
  for (const hold of holds) {
    const standing = lineStanding(hold, catalog.get(hold.sku));
    if (standing.kind === 'unavailable') review.unavailable.push(hold);
    if (standing.kind === 'repriced') review.repriced.push({ hold, unitPrice: standing.unitPrice });
  }
  return review;
}

/** 409: a line would exceed MAX_LINE_QUANTITY. */
export class CartLineLimit extends Conflict {
  constructor(sku: string, inCart: number, requested: number) {
    super('CART_LINE_LIMIT', `A cart line holds at most ${MAX_LINE_QUANTITY} units of ${sku}.`, [
      { sku, inCart, requested, max: MAX_LINE_QUANTITY },
    ]);
  }
}

/** 409: the line would hold more units of the SKU than the tenant lets one customer hold. */
export class QuantityLimitExceeded extends Conflict {
  constructor(sku: string, inCart: number, requested: number, limit: number) {
    super('QUANTITY_LIMIT_EXCEEDED', `One customer may hold at most ${limit} units of ${sku}.`, [{ sku, inCart, requested, limit }]);
  }
}

/** 409: a cart line's product is no longer in the catalog (deleted, or its variant removed). */
export class ProductUnavailable extends Conflict {
  constructor(holds: readonly Pick<Hold, 'sku' | 'productId'>[], message?: string) {
    const skus = holds.map((hold) => hold.sku).join(', ');
    super('PRODUCT_UNAVAILABLE', message ?? `${skus} can no longer be bought; remove it from the cart.`, holds.map(({ sku, productId }) => ({ sku, productId })));
  }
}

/** 409: checkout found catalog prices other than the ones the customer was told; the cart now shows them. */
export class PriceChanged extends Conflict {
  constructor(changes: CheckoutReview['repriced']) {
    const skus = changes.map((change) => change.hold.sku).join(', ');
    super(
      'PRICE_CHANGED',
      `The price of ${skus} changed since it was added to the cart; review the cart and check out again.`,
      changes.map(({ hold, unitPrice }) => ({ sku: hold.sku, previousUnitPrice: hold.unitPrice, unitPrice })),
    );
  }
}

/** Request schemas of the cart routes (the SKU format is the catalog's). */
export const cartItemParamsSchema = z.object({ sku: skuSchema });
export const addCartItemSchema = z.object({
  sku: skuSchema,
  quantity: z.number().check(z.int(), z.gte(1), z.lte(MAX_LINE_QUANTITY)),
});
export const updateCartItemSchema = z.object({ quantity: z.number().check(z.int(), z.gte(0), z.lte(MAX_LINE_QUANTITY)) });
