/**
 * The cart and its soft holds, as plain data and rules. Pure: no I/O.
 *
 * Each cart line IS a hold: its quantity is exactly what the line keeps out of `available`
 * (in `held`). A hold lives until `holdExpiresAt`; after that it is dead for the customer (not
 * shown, not changeable) even if the sweeper has not yet returned its units. Adding or changing
 * a line renews that line's hold (the customer is active); reading the cart renews nothing.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { skuSchema } from './catalog';
import { Conflict, NotFound } from './errors';

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

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
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What the catalog tells a cart about a SKU (its VARIANT item). */
export interface SkuInfo {
  readonly sku: string;
  readonly productId: string;
  readonly productName: string;
  readonly variantName?: string;
  readonly price: Money;
}

export interface CartLine {
  readonly sku: string;
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly holdExpiresAt: string;
}

export interface CartView {
  readonly id: string;
  readonly items: CartLine[];
  readonly subtotal: Money;
}

/** Per line, like the request limit: one request may ask for 1..99, and so may a line. */
export const MAX_LINE_QUANTITY = 99;
export const DEFAULT_CURRENCY = 'USD';

/** When a hold placed or renewed at `now` expires, as ISO time and as the TTL epoch seconds. */
export function holdExpiry(now: Date, ttlSeconds: number): { holdExpiresAt: string; ttl: number } {
  const expires = new Date(now.getTime() + ttlSeconds * 1000);
  return { holdExpiresAt: expires.toISOString(), ttl: Math.ceil(expires.getTime() / 1000) };
}

export const isLive = (hold: Hold, now: Date) => hold.holdExpiresAt > now.toISOString();

/**
 * The quantity a line should have after adding `quantity`: a live line grows; a dead (expired,
 * not yet swept) line is replaced, because its units are no longer the customer's.
 */
export function quantityAfterAdd(sku: string, existing: Hold | undefined, quantity: number, now: Date): number {
  const base = existing && isLive(existing, now) ? existing.quantity : 0;
  const next = base + quantity;
  if (next > MAX_LINE_QUANTITY) throw new CartLineLimit(sku, base, quantity);
  return next;
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

/** The customer's cart: live holds only, oldest line first, with the subtotal. */
export function cartView(customerId: string, holds: readonly Hold[], now: Date): CartView {
  const items = holds
    .filter((hold) => isLive(hold, now))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.sku.localeCompare(b.sku))
    .map(({ sku, productId, name, quantity, unitPrice, holdExpiresAt }) => ({
      sku,
      productId,
      name,
      quantity,
      unitPrice,
      holdExpiresAt,
    }));
  const currency = items[0]?.unitPrice.currency ?? DEFAULT_CURRENCY;
  const amount = items.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 0);
  return { id: cartIdOf(customerId), items, subtotal: { amount, currency } };
}

/** 409: a line would exceed MAX_LINE_QUANTITY. */
export class CartLineLimit extends Conflict {
  constructor(sku: string, inCart: number, requested: number) {
    super('CART_LINE_LIMIT', `A cart line holds at most ${MAX_LINE_QUANTITY} units of ${sku}.`, [
      { sku, inCart, requested, max: MAX_LINE_QUANTITY },
    ]);
  }
}

/** Request schemas of the cart routes (the SKU format is the catalog's). */
export const cartItemParamsSchema = z.object({ sku: skuSchema });
export const addCartItemSchema = z.object({
  sku: skuSchema,
  quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
});
export const updateCartItemSchema = z.object({ quantity: z.number().int().min(0).max(MAX_LINE_QUANTITY) });
