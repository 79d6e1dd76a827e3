/**
 * `Mark paid` (after 3-D Secure): PAID, and the order's reservation becomes sold, in one
 * transaction. Returns what the merchant needs to ship, for the fulfillment message.
 */
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import { fulfillmentRequestOf, type FulfillmentRequest, type OrderEvent } from './state';

export const handler = async ({ orderId }: OrderEvent): Promise<FulfillmentRequest> =>
  fulfillmentRequestOf(await transitionOrder(orderId, 'PAID', { payment: { status: 'succeeded' } }));
