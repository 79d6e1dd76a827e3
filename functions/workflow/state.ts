/**
 * The order workflow's state data as the tasks see it (paths written by
 * lib/constructs/order-workflow.ts). Each task receives the fields it names in its event type;
 * the state machine keeps results under their own paths so no step overwrites another's.
 */
import type { Address } from '../domain/customer';
import type { OrderLine } from '../domain/order';

/** A caught error as Step Functions puts it on the state (Catch ResultPath). */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string;
}

/** `Pay` result ($.payment) and `Await authentication` result ($.authentication). */
export interface PaymentOutcome {
  readonly outcome: 'succeeded' | 'requires_action' | 'failed';
  readonly declineCode?: string;
}

/** `Cancel payment` / `Void payment` / `Refund payment` result ($.compensation). */
export interface Compensation {
  readonly paymentStatus: 'canceled' | 'refunded' | 'failed' | 'pending';
  readonly refundId?: string;
}

/** The whole state, for the tasks reached from several paths (they get `$`). */
export interface WorkflowState {
  readonly orderId: string;
  /** The order's correlation id (execution input), for the task's logs. */
  readonly correlationId?: string;
  readonly completeAfterSeconds: number;
  readonly fulfillmentSlaSeconds: number;
  readonly authenticationTimeoutSeconds: number;
  readonly payment?: PaymentOutcome;
  readonly authentication?: PaymentOutcome;
  /** Why the payment path failed (Pay's caught error, or the authentication timeout). */
  readonly failure?: CaughtError;
  /** `Mark paid` result: what the fulfillment message carries. */
  readonly order?: FulfillmentRequest;
  readonly fulfillment?: { readonly carrier: string; readonly trackingNumber: string };
  /** The OrderCancelled / OrderRefunded failure that started the cancellation path. */
  readonly cancellation?: CaughtError;
  readonly compensation?: Compensation;
  /** The error of a step that failed past its retries, and that step's state name. */
  readonly fault?: CaughtError;
  readonly failedStep?: string;
}

/** What the merchant needs to ship: sent on the Fulfillment queue with the task token. */
export interface FulfillmentRequest {
  readonly items: readonly OrderLine[];
  readonly shippingAddress: Address;
}

/** The event of a task that only needs the order. */
export interface OrderEvent {
  readonly orderId: string;
}

/** The event of a `.waitForTaskToken` Lambda task. */
export interface WaitEvent extends OrderEvent {
  readonly taskToken: string;
}
