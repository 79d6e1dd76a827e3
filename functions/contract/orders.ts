/** Checkout and the order routes, the customer's and the merchant's. */
import * as z from '../shared/zod';
import { moneySchema } from '../domain/catalog';
import { addressSchema, listQuerySchema, paymentMethodIdSchema, resourceId } from '../domain/customer';
import { ORDER_STATUSES, PAYMENT_STATUSES } from '../domain/order';
import { singleLine } from '../domain/text';
import { page, routes, timestamp } from './route';

/** POST /checkout: a saved card or test token, and where to ship (a new address, a saved one, or the default). */
export const checkoutSchema = z
  .strictObject({
    paymentMethodId: paymentMethodIdSchema,
    shippingAddress: z.optional(addressSchema),
    addressId: z.withMeta(z.optional(resourceId), { description: 'A saved address; without it and shippingAddress, the default one' }),
  })
  .check(z.refine((b) => !(b.shippingAddress && b.addressId), { message: 'Give shippingAddress or addressId, not both', path: ['addressId'] }));

export const orderParamsSchema = z.object({ orderId: resourceId });
export const fulfillmentSchema = z.strictObject({ carrier: singleLine(100), trackingNumber: singleLine(100) });
export const refundSchema = z.optional(
  z.strictObject({ restock: z.withMeta(z.optional(z.boolean()), { description: 'After shipping: put the units back on the shelf (default false)' }) }),
);
export const adminOrdersQuerySchema = z.extend(listQuerySchema, {
  status: z.optional(z.pipe(z.string().check(z.trim(), z.toUpperCase()), z.enum(ORDER_STATUSES))),
});

const orderStatus = z.enum(ORDER_STATUSES);
const orderLine = z.object({ sku: z.string(), productId: z.string(), name: z.string(), quantity: z.int().check(z.gte(1)), unitPrice: moneySchema });
const attention = {
  step: z.withMeta(z.string(), { description: 'The workflow state that failed, e.g. `Await fulfillment`' }),
  error: z.string(),
  at: timestamp,
  resolvedAt: z.optional(timestamp),
};

/** An order as its customer sees it (never task tokens, keys or internals). */
const paymentView = z.object({
  status: z.enum(PAYMENT_STATUSES),
  paymentIntentId: z.nullable(z.string()),
  declineCode: z.optional(z.string()),
});

export const orderViewSchema = z.withMeta(
  z.object({
    id: z.string(),
    status: orderStatus,
    items: z.array(orderLine),
    total: moneySchema,
    shippingAddress: addressSchema,
    payment: paymentView,
    fulfillment: z.optional(z.object({ carrier: z.string(), trackingNumber: z.string() })),
    attention: z.withMeta(z.optional(z.object(attention)), {
      description: 'Set once the workflow gave up on the order; the merchant acts on it directly',
    }),
    refund: z.optional(z.object({ at: timestamp, restock: z.boolean() })),
    history: z.array(z.object({ status: orderStatus, at: timestamp })),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  { id: 'Order' },
);

/**
 * The customer's own view: while REQUIRES_ACTION, what a client needs to finish 3-D Secure (the
 * PaymentIntent's client secret lets whoever holds it confirm the payment: no other view has it).
 */
export const ownerOrderViewSchema = z.withMeta(
  z.extend(orderViewSchema, {
    payment: z.extend(paymentView, {
      clientSecret: z.withMeta(z.optional(z.string()), { description: "The PaymentIntent's client secret, for Stripe.js (while REQUIRES_ACTION)" }),
      nextAction: z.withMeta(z.optional(z.object({ type: z.literal('redirect_to_url'), url: z.string() })), {
        description: "Where to send the customer for 3-D Secure; the bank's page returns to the tenant's return URL",
      }),
    }),
  }),
  { id: 'OwnerOrder' },
);

/** The merchant's view: who ordered, why the workflow gave up, and the id the order's logs carry. */
export const adminOrderViewSchema = z.withMeta(
  z.extend(orderViewSchema, {
    customerId: z.string(),
    correlationId: z.withMeta(z.optional(z.string()), { description: "The checkout's request id, on every log line about the order" }),
    attention: z.optional(z.object({ ...attention, cause: z.optional(z.string()) })),
  }),
  { id: 'AdminOrder' },
);

const ACCEPTED = { schema: orderViewSchema, description: 'Accepted: the order as it is now (the workflow moves it on)' };
const ACCEPTED_FOR_OWNER = { ...ACCEPTED, schema: ownerOrderViewSchema };

export const orderRoutes = routes({
  checkout: {
    summary: "Turns the cart's holds into a reservation and a PENDING order, and starts its workflow",
    body: checkoutSchema,
    idempotency: 'required',
    responses: { 202: { ...ACCEPTED_FOR_OWNER, location: true } },
    errors: {
      400: ['PAYMENT_REQUEST_REJECTED'],
      409: ['CART_EMPTY', 'CART_TOO_LARGE', 'INSUFFICIENT_STOCK', 'PRICE_CHANGED', 'PRODUCT_UNAVAILABLE', 'MIXED_CURRENCIES'],
      503: ['PAYMENT_PROVIDER_UNAVAILABLE'],
    },
  },
  'list-orders': {
    summary: "The caller's own orders, newest first",
    query: listQuerySchema,
    responses: { 200: page(ownerOrderViewSchema) },
  },
  'get-order': {
    summary: "One of the caller's orders, with its history",
    params: orderParamsSchema,
    responses: { 200: ownerOrderViewSchema },
    errors: { 404: ['NOT_FOUND'] },
  },
  'cancel-order': {
    summary: 'Cancels an order before fulfillment: refunds if paid, releases the stock',
    params: orderParamsSchema,
    responses: { 202: ACCEPTED_FOR_OWNER },
    errors: { 404: ['NOT_FOUND'], 409: ['ORDER_NOT_CANCELLABLE', 'PAYMENT_IN_PROGRESS', 'ORDER_BUSY', 'INVALID_ORDER_TRANSITION'], 503: ['PAYMENT_PROVIDER_UNAVAILABLE'] },
  },
  'admin-list-orders': {
    summary: "The store's orders, newest first, by status or all",
    query: adminOrdersQuerySchema,
    responses: { 200: page(adminOrderViewSchema) },
  },
  'fulfill-order': {
    summary: 'The merchant shipped a PAID order: FULFILLED',
    params: orderParamsSchema,
    body: fulfillmentSchema,
    responses: { 202: ACCEPTED },
    errors: { 404: ['NOT_FOUND'], 409: ['ORDER_NOT_FULFILLABLE', 'ORDER_BUSY', 'INVALID_ORDER_TRANSITION'] },
  },
  'mark-order-delivered': {
    summary: 'Delivery confirmed for a FULFILLED order: COMPLETED',
    params: orderParamsSchema,
    responses: { 202: ACCEPTED },
    errors: { 404: ['NOT_FOUND'], 409: ['ORDER_NOT_DELIVERABLE', 'ORDER_BUSY', 'INVALID_ORDER_TRANSITION'] },
  },
  'refund-order': {
    summary: 'Refunds a paid order: before shipping it is cancelled (202), after shipping it is a return (200, REFUNDED)',
    params: orderParamsSchema,
    body: refundSchema,
    responses: {
      200: { schema: orderViewSchema, description: 'A return after shipping: REFUNDED' },
      202: { schema: orderViewSchema, description: 'Before shipping: the workflow refunds and cancels it' },
    },
    errors: {
      404: ['NOT_FOUND'],
      409: ['ALREADY_REFUNDED', 'ORDER_NOT_REFUNDABLE', 'ORDER_BUSY', 'PAYMENT_IN_PROGRESS', 'INVALID_ORDER_TRANSITION'],
      503: ['PAYMENT_PROVIDER_UNAVAILABLE'],
    },
  },
});
