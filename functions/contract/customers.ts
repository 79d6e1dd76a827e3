/** The customer's own routes: profile, address book and saved cards. */
import * as z from '../shared/zod';
import { addressInputSchema, addressSchema, listQuerySchema, profileInputSchema, resourceId, savePaymentMethodSchema } from '../domain/customer';
import { page, routes, timestamp } from './route';

export const profileSchema = z.withMeta(
  z.object({
    id: z.withMeta(z.string(), { description: "The token's subject" }),
    email: z.optional(z.string()),
    name: z.optional(z.string()),
    phone: z.withMeta(z.optional(z.string()), { description: 'E.164' }),
    defaultAddressId: z.withMeta(z.optional(z.string()), { description: 'The address checkout uses when the client names none' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  { id: 'Profile' },
);

export const savedAddressSchema = z.withMeta(
  z.extend(addressSchema, { id: z.string(), isDefault: z.boolean(), createdAt: timestamp, updatedAt: timestamp }),
  { id: 'SavedAddress' },
);

/** A saved card: never the number, which only Stripe keeps. */
export const savedCardSchema = z.withMeta(
  z.object({ id: z.withMeta(z.string(), { example: 'pm_1Q…' }), brand: z.string(), last4: z.string(), expMonth: z.int(), expYear: z.int() }),
  { id: 'SavedCard' },
);

/** A card that must pass 3-D Secure before it is saved: the client confirms with Stripe.js, or sends the customer to `redirectUrl`. */
export const setupPendingSchema = z.withMeta(
  z.discriminatedUnion('status', [
    z.object({ status: z.literal('requires_action'), setupIntentId: z.string(), clientSecret: z.nullable(z.string()), redirectUrl: z.optional(z.string()) }),
    z.object({ status: z.literal('requires_payment_method'), setupIntentId: z.string(), clientSecret: z.nullable(z.string()) }),
  ]),
  { id: 'SetupPending' },
);

const addressParams = z.object({ id: resourceId });
const paymentMethodParams = z.object({ id: resourceId });
const STRIPE_DOWN = { 503: ['PAYMENT_PROVIDER_UNAVAILABLE'] } as const;

export const customerRoutes = routes({
  'get-me': {
    summary: "The caller's profile (created on first use)",
    responses: { 200: profileSchema },
  },
  'put-me': {
    summary: 'Replaces the editable profile (email, name, phone); omitted fields are cleared',
    body: profileInputSchema,
    responses: { 200: profileSchema },
  },
  'list-addresses': {
    summary: "The caller's address book in creation order",
    query: listQuerySchema,
    responses: { 200: page(savedAddressSchema) },
  },
  'create-address': {
    summary: 'Adds an address (the first becomes the default)',
    body: addressInputSchema,
    responses: { 201: { schema: savedAddressSchema, description: 'Created', location: true } },
  },
  'update-address': {
    summary: "Replaces one of the caller's addresses",
    params: addressParams,
    body: addressInputSchema,
    responses: { 200: savedAddressSchema },
    errors: { 404: ['NOT_FOUND'] },
  },
  'delete-address': {
    summary: "Removes one of the caller's addresses",
    params: addressParams,
    responses: { 204: null },
    errors: { 404: ['NOT_FOUND'] },
  },
  'list-payment-methods': {
    summary: "The caller's saved cards, newest first",
    query: listQuerySchema,
    responses: { 200: page(savedCardSchema) },
    errors: STRIPE_DOWN,
  },
  'create-payment-method': {
    summary: 'Saves a card on the caller\'s Stripe customer with a confirmed SetupIntent',
    body: savePaymentMethodSchema,
    responses: {
      201: { schema: savedCardSchema, description: "Saved; the id is Stripe's new pm_…", location: true },
      202: { schema: setupPendingSchema, description: 'The card needs 3-D Secure first' },
    },
    errors: { 402: ['CARD_DECLINED'], ...STRIPE_DOWN },
  },
  'delete-payment-method': {
    summary: "Detaches one of the caller's saved cards",
    params: paymentMethodParams,
    responses: { 204: null },
    errors: { 404: ['NOT_FOUND'], ...STRIPE_DOWN },
  },
});
