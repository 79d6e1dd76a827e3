/**
 * `Record failure`: a step failed past its retries (the states' Catch put the error under
 * `$.fault` and the step's name under `$.failedStep`). Keeps what failed on the order, where the
 * order view and the admin list show it, and drops the order's task tokens; the execution then
 * ends in `Needs attention` (a FAILED execution, which raises the alarm). The order keeps its
 * status and stock, and the merchant's actions apply directly from then on.
 */
import { recordAttention } from '../adapters/dynamodb/order-transitions';
import { logger } from '../shared/logger';
import { observedHandler } from '../shared/observability';
import type { WorkflowState } from './state';

/** Enough of the cause to diagnose; a Lambda's JSON cause carries a whole stack trace. */
const MAX_CAUSE_LENGTH = 1000;

export const handler = observedHandler(async (state: WorkflowState): Promise<void> => {
  const step = state.failedStep ?? 'unknown';
  const error = state.fault?.Error ?? 'Unknown';
  const cause = state.fault?.Cause?.slice(0, MAX_CAUSE_LENGTH);
  await recordAttention(state.orderId, { step, error, ...(cause ? { cause } : {}), at: new Date().toISOString() });
  logger.error('Order workflow step failed; the order needs attention', { orderId: state.orderId, step, error, cause });
});
