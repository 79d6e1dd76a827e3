/**
 * The order workflow's state data as the tasks see it (paths written by
 * lib/constructs/order-workflow.ts). Each task receives the fields it names in its event type;
 * the state machine keeps results under their own paths so no step overwrites another's.
 */
import type { Address } from '../domain/customer';
import type { Order, OrderLine } from '../domain/order';

/** A caught error as Step Functions puts it on the state (Catch ResultPath). */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string;
}

/** What Pay found the charge to be, and `Await authentication`'s result ($.authentication). */
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
  /** Pay's failed token (PaymentRequiresAction, PaymentFailed). */
  readonly payment?: CaughtError;
  readonly authentication?: PaymentOutcome;
  /** Why the payment path failed (Pay's caught error, or the authentication timeout). */
  readonly failure?: CaughtError;
  /** Pay's or `Mark paid`'s result: what the fulfillment message carries. */
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

/** The fulfillment request of a paid order (Pay's and `Mark paid`'s result). */
export function fulfillmentRequestOf(order: Order): FulfillmentRequest {
  return {
    items: order.items.map(({ sku, productId, name, quantity, unitPrice }) => ({ sku, productId, name, quantity, unitPrice })),
    shippingAddress: order.shippingAddress,
  };
}

/** The event of a task that only needs the order. */
export interface OrderEvent {
  readonly orderId: string;
}

/** The event of a `.waitForTaskToken` Lambda task. */
export interface WaitEvent extends OrderEvent {
  readonly taskToken: string;
}
