/**
 * `Await authentication` (Lambda, .waitForTaskToken): the charge needs the customer's 3-D Secure
 * step. Records the task token and REQUIRES_ACTION on the order; the Stripe webhook consumer
 * resumes the execution with `{ outcome, declineCode? }` once Stripe knows the result.
 */
import { recordTaskToken, transitionOrder } from '../adapters/dynamodb/order-transitions';
import { OrderCancelled } from '../domain/order';
import { logger } from '../shared/logger';
import type { WaitEvent } from './state';

export const handler = async ({ orderId, taskToken }: WaitEvent): Promise<void> => {
  // Token first: once the order shows REQUIRES_ACTION, whoever reacts to it finds the token.
  if (!(await recordTaskToken(orderId, 'authentication', taskToken))) {
    // Moved on underneath us (cancelled): OrderCancelled is caught by this state's catcher.
    throw new OrderCancelled(orderId);
  }
  await transitionOrder(orderId, 'REQUIRES_ACTION', { payment: { status: 'requires_action' } });
  logger.info('Order awaits payment authentication', { orderId });
};
