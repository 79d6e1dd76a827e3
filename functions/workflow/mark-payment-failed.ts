/**
 * `Mark payment failed`: PAYMENT_FAILED, and the reservation goes back on the shelf. Reached when
 * authentication fails or times out, or the charge cannot be made at all (Pay records a decline itself).
 */
import { transitionOrder } from '../adapters/dynamodb/order-transitions';
import type { WorkflowState } from './state';

export const handler = async (state: WorkflowState): Promise<void> => {
  const declineCode = state.authentication?.declineCode;
  await transitionOrder(state.orderId, 'PAYMENT_FAILED', {
    payment: {
      status: paymentStatusOf(state),
      ...(declineCode ? { declineCode } : {}),
    },
    ...(state.failure ? { failure: { reason: state.failure.Error, ...(state.failure.Cause ? { cause: state.failure.Cause.slice(0, 1000) } : {}) } } : {}),
  });
};

/** Refunded if the money came in too late, canceled if the customer never authenticated, else failed. */
function paymentStatusOf(state: WorkflowState): 'refunded' | 'canceled' | 'failed' {
  if (state.compensation?.paymentStatus === 'refunded') return 'refunded';
  return state.failure?.Error === 'States.Timeout' ? 'canceled' : 'failed';
}
