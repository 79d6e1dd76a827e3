/**
 * `Await delivery` (Lambda, .waitForTaskToken): records the token on the shipped order.
 * POST /admin/orders/{id}/delivered resumes it; otherwise the state times out after
 * `completeAfterSeconds` and the workflow completes the order by itself. An order refunded
 * before the token was recorded (REFUNDED) ends the workflow with OrderRefunded.
 */
import { requireOrder } from '../adapters/dynamodb/order-repository';
import { recordTaskToken } from '../adapters/dynamodb/order-transitions';
import { InvalidOrderTransition, OrderRefunded } from '../domain/order';
import type { WaitEvent } from './state';

export const handler = async ({ orderId, taskToken }: WaitEvent): Promise<void> => {
  if (await recordTaskToken(orderId, 'delivery', taskToken)) return;
  const order = await requireOrder(orderId);
  if (order.status === 'REFUNDED') throw new OrderRefunded(orderId);
  throw new InvalidOrderTransition(orderId, order.status, 'COMPLETED');
};
