/**
 * `Mark cancelled`: CANCELLED, after the payment was cancelled or refunded. The stock goes back
 * on the shelf: a reservation (not paid yet) or the sold units (paid, not shipped), in the same
 * transaction as the status.
 */
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import type { WorkflowState } from './state';

export const handler = async (state: WorkflowState): Promise<void> => {
  const paymentStatus = state.compensation?.paymentStatus;
  await transitionOrder(state.orderId, 'CANCELLED', {
    ...(paymentStatus ? { payment: { status: paymentStatus } } : {}),
    cancellation: {
      reason: state.cancellation?.Error ?? 'OrderCancelled',
      ...(state.cancellation?.Cause ? { cause: state.cancellation.Cause } : {}),
    },
  });
};
