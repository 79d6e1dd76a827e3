/** `Mark completed`: delivery confirmed, or the confirmation window passed. */
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import type { OrderEvent } from './state';

export const handler = async ({ orderId }: OrderEvent): Promise<void> => {
  await transitionOrder(orderId, 'COMPLETED');
};
