/** `Mark fulfilled`: the merchant shipped (POST /admin/orders/{id}/fulfillment resumed the wait). */
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import type { OrderEvent, WorkflowState } from './state';

export const handler = async ({ orderId, fulfillment }: OrderEvent & Pick<WorkflowState, 'fulfillment'>): Promise<void> => {
  if (!fulfillment?.carrier || !fulfillment.trackingNumber) {
    throw new Error(`Order ${orderId}: the fulfillment callback carried no carrier and tracking number`);
  }
  const { carrier, trackingNumber } = fulfillment;
  await transitionOrder(orderId, 'FULFILLED', { fulfillment: { carrier, trackingNumber } });
};
