import { idempotencyStore } from '../adapters/dynamodb/idempotency-store';
import { getAddress, getProfile } from '../adapters/dynamodb/customer-repository';
import { orderIdFor, type OrderRecord } from '../adapters/dynamodb/order-repository';
import { startOrderWorkflow } from '../adapters/sfn/order-workflow';
import { resolvePaymentMethod } from '../adapters/stripe/payment-methods';
import { placeOrder } from '../application/checkout';
import { orderRoutes } from '../contract/orders';
import type { Address } from '../domain/customer';
import { NotFound, ValidationFailed } from '../domain/errors';
import { toOwnerOrderView } from '../domain/order';
import { apiHandler, routeSpec, type ApiResponse } from '../shared/http';
import { logger } from '../shared/logger';
import { countBusinessEvent, countStockOuts } from '../shared/business-events';

/**
 * POST /checkout: the cart's holds become a reservation and a PENDING order in one transaction
 * (application/checkout.ts), which also stores the Idempotency-Key's record; 202 with the order
 * and its Location. The workflow is started by the table stream
 * (queue/start-order-workflows), so a crash here never strands an order; starting it here too
 * only saves the stream's latency. Without shippingAddress or addressId, the default address ships.
 */
export const handler = apiHandler(routeSpec('checkout', { ...orderRoutes.checkout, idempotencyStore, recordsIdempotencyInTransaction: true, middlewares: [countStockOuts] }), async (req) => {
  const customerId = req.caller.sub;
  const details = async () => {
    const [shippingAddress, payment] = await Promise.all([shippingAddressOf(customerId, req.body), resolvePaymentMethod(customerId, req.body.paymentMethodId)]);
    return { shippingAddress, payment };
  };
  const id = orderIdFor(customerId, req.idempotencyKey);
  const { order, created } = await placeOrder({
    id,
    customerId,
    details,
    correlationId: req.requestId,
    idempotency: req.idempotency && { write: req.idempotency, respond: accepted },
  });
  if (created) {
    countBusinessEvent('ordersPlaced', { correlationId: order.correlationId });
    await startOrderWorkflow(order.id, order.correlationId).catch((error: unknown) => logger.warn('Workflow start left to the stream', { orderId: order.id, error: error as Error }));
  }
  return accepted(order);
});

/** 202 with the order as its owner sees it, and where to follow it. */
function accepted(order: OrderRecord): ApiResponse {
  return { statusCode: 202, body: toOwnerOrderView(order), headers: { location: `/orders/${order.id}` } };
}

async function shippingAddressOf(customerId: string, body: { shippingAddress?: Address; addressId?: string }): Promise<Address> {
  if (body.shippingAddress) return body.shippingAddress;
  const addressId = body.addressId ?? (await getProfile(customerId)).defaultAddressId;
  if (!addressId) throw new ValidationFailed([{ in: 'body', path: 'shippingAddress', message: 'Give shippingAddress or addressId (no default address is saved)' }]);
  const saved = await getAddress(customerId, addressId).catch((error: unknown) => {
    throw error instanceof NotFound ? new ValidationFailed([{ in: 'body', path: 'addressId', message: 'No saved address has this id' }]) : error;
  });
  const { id: _id, isDefault: _d, createdAt: _c, updatedAt: _u, ...address } = saved;
  return address;
}
