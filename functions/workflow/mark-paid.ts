/**
 * `Mark paid`: PAID, and the order's reservation becomes sold, in one transaction. Returns what
 * the merchant needs to ship, for the fulfillment message.
 */
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import type { FulfillmentRequest, OrderEvent } from './state';

export const handler = async ({ orderId }: OrderEvent): Promise<FulfillmentRequest> => {
  const order = await transitionOrder(orderId, 'PAID', { payment: { status: 'succeeded' } });
  return {
    items: order.items.map(({ sku, productId, name, quantity, unitPrice }) => ({ sku, productId, name, quantity, unitPrice })),
    shippingAddress: order.shippingAddress,
  };
};
