/**
 * The order workflow seen from the handlers: start one execution per order and resume or fail
 * the step it waits on. The only module that talks to Step Functions. The client never names an
 * endpoint: the local stack sets AWS_ENDPOINT_URL_SFN, which the SDK reads itself.
 *
 * Contract with the state machine (lib/constructs/order-workflow.ts):
 * - execution name = order id, input `{ orderId, completeAfterSeconds, fulfillmentSlaSeconds,
 *   authenticationTimeoutSeconds, orderKey, completedStatusPartition, correlationId? }` (the
 *   waits' TimeoutSecondsPath, what `Auto-complete` writes the order item with, and the order's
 *   correlation id for the tasks' logs);
 * - Pay reports through its own token: success with the fulfillment request, or a failure named
 *   PaymentRequiresAction / PaymentFailed;
 * - the waits' task tokens sit on the order under `tokens.<kind>`; resuming `authentication`
 *   takes `{ outcome: 'succeeded' | 'failed', declineCode? }`; `fulfillment` (`{ carrier,
 *   trackingNumber }`) and `delivery` (`{}`) are resumed once the action wrote FULFILLED or
 *   COMPLETED itself: the workflow has no step that writes them;
 * - failing a wait with OrderCancelled / OrderRefunded runs the compensations (cancel or refund
 *   the payment, release or return the stock) and ends the order CANCELLED; failing the delivery
 *   wait with OrderRefunded (the order was refunded after shipping) just ends the execution.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { Conflict } from '../../domain/errors';
import type { PaymentReport, WaitFailure } from '../../domain/order';
import { orderKeys } from '../dynamodb/keys';
import { env } from '../../shared/env';
import { logger } from '../../shared/logger';

const sfn = new SFNClient({});

/** The execution input; the state machine reads these paths. */
export interface OrderWorkflowInput {
  readonly orderId: string;
  /** How long a fulfilled order waits for a delivery confirmation (TimeoutSecondsPath; ≥ 1). */
  readonly completeAfterSeconds: number;
  /** How long a paid order waits for the merchant to ship before the execution gives up on it (≥ 1). */
  readonly fulfillmentSlaSeconds: number;
  /** How long a payment waits for the customer's 3-D Secure step before it is voided (≥ 1). */
  readonly authenticationTimeoutSeconds: number;
  /** The order item's key, for the direct UpdateItem of `Auto-complete`. */
  readonly orderKey: { readonly pk: string; readonly sk: string };
  /** The status index partition `Auto-complete` moves the order to. */
  readonly completedStatusPartition: string;
  /** The order's correlation id (its checkout's request id), for the tasks' logs. */
  readonly correlationId?: string;
}

/**
 * 409 ORDER_NOT_WAITING: the token no longer belongs to a waiting step (the step moved on,
 * timed out, or the execution ended), so the order cannot be resumed or failed that way now.
 */
export class OrderNotWaiting extends Conflict {
  override readonly name = 'OrderNotWaiting';
  constructor(cause: string) {
    super('ORDER_NOT_WAITING', 'The order is not waiting for this step any more.', [{ reason: cause }]);
  }
}

/** The execution input for an order (exported for tests and the local stack). */
export function workflowInput(orderId: string, correlationId?: string): OrderWorkflowInput {
  return {
    orderId,
    completeAfterSeconds: timeoutSeconds(env.completeAfterSeconds),
    fulfillmentSlaSeconds: timeoutSeconds(env.fulfillmentSlaSeconds),
    authenticationTimeoutSeconds: timeoutSeconds(env.authenticationTimeoutSeconds),
    orderKey: orderKeys.order(orderId),
    completedStatusPartition: orderKeys.statusPartition('COMPLETED'),
    ...(correlationId ? { correlationId } : {}),
  };
}

/** Step Functions takes whole seconds, at least 1. */
function timeoutSeconds(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}

/**
 * Starts the order's execution (name = order id). Starting it again is success: Step Functions
 * answers a same-name, same-input start with the running execution, and ExecutionAlreadyExists
 * (same name, other input, e.g. after a settings change) still means the order has its workflow.
 * Every starter passes the order's own correlation id, so their inputs agree.
 */
export async function startOrderWorkflow(orderId: string, correlationId?: string): Promise<void> {
  try {
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: env.stateMachineArn,
        name: orderId,
        input: JSON.stringify(workflowInput(orderId, correlationId)),
      }),
    );
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists') {
      logger.info('Order workflow already started', { orderId });
      return;
    }
    throw error;
  }
}

/**
 * Whether the order's execution still runs: `running` (also while a failed one is redriven),
 * `ended` (succeeded, failed, timed out or stopped: nothing will move the order any more), or
 * `missing` (not started yet, or so old that Step Functions no longer keeps it).
 */
export async function workflowState(orderId: string): Promise<'running' | 'ended' | 'missing'> {
  const executionArn = `${env.stateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return status === 'RUNNING' || status === 'PENDING_REDRIVE' ? 'running' : 'ended';
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') return 'missing';
    throw error;
  }
}

/** Resumes the step waiting on `taskToken` with `output` (SendTaskSuccess). */
export async function resumeWaitingOrder(taskToken: string, output: object): Promise<void> {
  await withTokenErrors(() => sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })));
}

/** Fails the step waiting on `taskToken`, so the workflow takes that error's path (SendTaskFailure). */
export async function failWaitingOrder(taskToken: string, error: WaitFailure | PaymentReport, cause: string): Promise<void> {
  await withTokenErrors(() => sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, 32_768) })));
}

const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

async function withTokenErrors(send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    const name = (error as Error).name;
    if (STALE_TOKEN_ERRORS.has(name)) throw new OrderNotWaiting(name);
    throw error;
  }
}
