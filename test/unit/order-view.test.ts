import { toAdminOrderView, toOrderView, toOwnerOrderView, type Order } from '../../functions/domain/order';

const order: Order & { tokens: Record<string, string>; pk: string; gsi1pk: string } = {
  id: 'ord_0123456789abcdef01234567',
  customerId: 'alice',
  status: 'PAID',
  items: [{ sku: 'MUG-1', productId: 'prd_1', name: 'Mug', quantity: 2, unitPrice: { amount: 1200, currency: 'USD' } }],
  total: { amount: 2400, currency: 'USD' },
  shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
  payment: { status: 'succeeded', paymentIntentId: 'pi_1', paymentMethodId: 'pm_card_visa', stripeCustomerId: 'cus_1' },
  history: [
    { status: 'PENDING', at: '2025-01-01T00:00:00.000Z' },
    { status: 'PAID', at: '2025-01-01T00:00:01.000Z' },
  ],
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:01.000Z',
  version: 2,
  tokens: { fulfillment: 'secret-task-token' },
  pk: 'ORDER#ord_0123456789abcdef01234567',
  gsi1pk: 'CUSTOMER#alice#ORDERS',
};

describe('toOrderView', () => {
  it('shows the contract fields and nothing of the storage or the workflow', () => {
    // Act
    const view = toOrderView(order);

    // Assess
    expect(view).toEqual({
      id: order.id,
      status: 'PAID',
      items: order.items,
      total: order.total,
      shippingAddress: order.shippingAddress,
      payment: { status: 'succeeded', paymentIntentId: 'pi_1' },
      history: order.history,
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
    });
    expect(JSON.stringify(view)).not.toMatch(/secret-task-token|tokens|ORDER#|cus_1|pm_card_visa/);
  });

  it('adds the fulfillment once shipped and the decline code of a failed payment', () => {
    // Act
    const shipped = toOrderView({ ...order, status: 'FULFILLED', fulfillment: { carrier: 'UPS', trackingNumber: '1Z' } });
    const declined = toOrderView({ ...order, status: 'PAYMENT_FAILED', payment: { ...order.payment, status: 'failed', declineCode: 'generic_decline' } });

    // Assess
    expect(shipped.fulfillment).toEqual({ carrier: 'UPS', trackingNumber: '1Z' });
    expect(declined.payment).toEqual({ status: 'failed', paymentIntentId: 'pi_1', declineCode: 'generic_decline' });
    expect(declined).not.toHaveProperty('fulfillment');
  });

  it('shows why the workflow gave up on an order, its cause to staff only', () => {
    // Prepare
    const attention = { step: 'Await fulfillment', error: 'InvalidParameterValue', cause: 'queue https://sqs.internal/123', at: '2025-01-01T00:00:02.000Z' };
    const stuck = { ...order, attention };

    // Act
    const customer = toOrderView(stuck);
    const staff = toAdminOrderView(stuck);

    // Assess
    expect(customer.attention).toEqual({ step: 'Await fulfillment', error: 'InvalidParameterValue', at: attention.at });
    expect(JSON.stringify(customer)).not.toContain('sqs.internal');
    expect(staff).toMatchObject({ customerId: 'alice', attention });
    expect(JSON.stringify(staff)).not.toMatch(/secret-task-token/);
  });

  it('shows a return with whether it was restocked', () => {
    const view = toOrderView({ ...order, status: 'REFUNDED', refund: { at: '2025-01-02T00:00:00.000Z', restock: true, refundId: 're_1' } });

    expect(view.refund).toEqual({ at: '2025-01-02T00:00:00.000Z', restock: true });
  });
});

describe('toOwnerOrderView', () => {
  const nextAction = { type: 'redirect_to_url' as const, url: 'https://hooks.stripe.com/3d_secure_2/hosted?payment_intent=pi_1' };
  const waiting: Order = {
    ...order,
    status: 'REQUIRES_ACTION',
    payment: { ...order.payment, status: 'requires_action', clientSecret: 'pi_1_secret_abc', nextAction },
  };

  it('adds the redirect and the client secret while the order waits for 3-D Secure', () => {
    expect(toOwnerOrderView(waiting).payment).toEqual({ status: 'requires_action', paymentIntentId: 'pi_1', clientSecret: 'pi_1_secret_abc', nextAction });
  });

  it('never shows them in the public or the staff view, nor once the order moved on', () => {
    const paid: Order = { ...waiting, status: 'PAID', payment: { ...waiting.payment, status: 'succeeded' } };

    for (const view of [toOrderView(waiting), toAdminOrderView(waiting), toOwnerOrderView(paid)]) {
      expect(JSON.stringify(view)).not.toMatch(/pi_1_secret_abc|nextAction|hooks\.stripe\.com/);
    }
  });
});

