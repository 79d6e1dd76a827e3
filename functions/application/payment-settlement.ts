/**
 * A payment's outcome, as Stripe reports it, applied to its order: the one path both the Stripe
 * webhook consumer and the payment reconciler take, so a lost webhook is repaired exactly as
 * the webhook would have done it. The `settle` action (domain/order.ts routeOrderAction)
 * resumes the workflow's authentication wait, or, once no execution drives the order any more,
 * applies the outcome directly (settlePaymentDirectly): PAID with the stock sold, or
 * PAYMENT_FAILED with it released. Safe to run twice or concurrently: the token is consumed
 * once, and every transition is conditional on the status it leaves.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { findOrderByPaymentIntent, requireOrder } from '../adapters/dynamodb/order-repository';
import { Conflict } from '../domain/errors';
import { WAITING_STATUS } from '../domain/order';
import { actOnOrder } from './order-actions';
import { settlePaymentDirectly, type PaymentSettlement } from './order-payments';

/** The workflow is between steps (no wait recorded yet). */
const BUSY_CODES = new Set(['PAYMENT_IN_PROGRESS', 'ORDER_BUSY']);
const BUSY_WAIT_MS = 500;

/**
 * What was done: `no-order`, `ignored:<status or id>` (the order has its outcome already),
 * `applied:<orderId>` (directly), `resumed:<orderId>` (through the workflow), or `busy` when the
 * charge is still under way after `attempts` tries half a second apart.
 */
export async function settleOrderPayment(settlement: PaymentSettlement, orderIdHint: string | undefined, attempts: number): Promise<string> {
  const output = { outcome: settlement.outcome, ...(settlement.declineCode ? { declineCode: settlement.declineCode } : {}) };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const order = await findOrderByPaymentIntent(settlement.paymentIntentId, orderIdHint);
    if (!order) return 'no-order';
    if (!WAITING_STATUS.authentication.includes(order.status)) return `ignored:${order.status}`;
    try {
      const { direct } = await actOnOrder({
        action: 'settle',
        read: () => requireOrder(order.id),
        output,
        direct: (waiting) => settlePaymentDirectly(waiting, settlement),
      });
      return `${direct ? 'applied' : 'resumed'}:${order.id}`;
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
      if (error.code === 'PAYMENT_ALREADY_SETTLED') return `ignored:${order.id}`; // the workflow got there first
      if (!BUSY_CODES.has(error.code)) throw error;
      if (attempt < attempts) await sleep(BUSY_WAIT_MS); // the charge is under way and its wait not recorded yet
    }
  }
  return 'busy';
}
