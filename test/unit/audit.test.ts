import { addOrderUnits, reconcilePayments, stockDiscrepancies, type OrderSummary, type OrderUnits } from '../../functions/domain/audit';
import { ledgerEntryOf, sumLedger, type StockImage } from '../../functions/domain/stock-ledger';
import { EMPTY_STOCK, type StockLevels } from '../../functions/domain/stock';

const levels = (l: Partial<StockLevels>): StockLevels => ({ ...EMPTY_STOCK, ...l });
const image = (l: Partial<StockLevels>, stamp?: StockImage['stamp']): StockImage => ({ levels: levels(l), updatedAt: '2030-01-01T00:00:00.000Z', ...(stamp ? { stamp } : {}) });

describe('the stock ledger', () => {
  it('turns a stamped change into an entry with its deltas, kind and cause', () => {
    // Prepare
    const stamp = { id: 'm2', kind: 'hold', cause: { customerId: 'alice', holdId: 'h1' } } as const;

    // Act
    const entry = ledgerEntryOf('MUG', image({ total: 5, available: 5 }, { id: 'm1', kind: 'admin-set', cause: {} }), image({ total: 5, available: 3, held: 2 }, stamp), 'x');

    // Assess
    expect(entry).toEqual({
      sku: 'MUG',
      at: '2030-01-01T00:00:00.000Z',
      kind: 'hold',
      delta: { total: 0, available: -2, held: 2, reserved: 0, sold: 0 },
      after: { total: 5, available: 3, held: 2, reserved: 0, sold: 0 },
      cause: { customerId: 'alice', holdId: 'h1' },
    });
  });

  it('records a write that left the last stamp in place as unattributed, and none for a change of no counter', () => {
    // Prepare
    const stamp = { id: 'm1', kind: 'hold', cause: { customerId: 'alice' } } as const;

    // Act
    const corrupted = ledgerEntryOf('MUG', image({ total: 5, available: 5 }, stamp), image({ total: 5, available: 5, held: 1 }, stamp), '2030-01-02T00:00:00.000Z');
    const created = ledgerEntryOf('MUG', undefined, image({}), 'x');

    // Assess
    expect(corrupted).toMatchObject({ kind: 'unattributed', cause: {}, delta: { held: 1 } });
    expect(created).toBeUndefined();
  });

  it('sums to the counters the changes left', () => {
    // Prepare
    const states = [levels({}), levels({ total: 5, available: 5 }), levels({ total: 5, available: 3, held: 2 }), levels({ total: 5, available: 3, reserved: 2 }), levels({ total: 5, available: 3, sold: 2 })];

    // Act
    const entries = states.slice(1).map((state, i) => ledgerEntryOf('MUG', image(states[i]!), image(state, { id: `m${i}`, kind: 'hold', cause: {} }), 'x')!);

    // Assess
    expect(sumLedger(entries)).toEqual(states.at(-1));
  });
});

describe('the stock auditor', () => {
  it('counts awaiting orders as reserved, paid and later ones as sold, and a restocked return as neither', () => {
    // Prepare
    const units = new Map<string, OrderUnits>();
    const line = (sku: string, quantity: number) => ({ sku, quantity, productId: 'p', name: 'n', unitPrice: { amount: 1, currency: 'USD' } });

    // Act
    addOrderUnits(units, { status: 'PENDING', items: [line('A', 1)] });
    addOrderUnits(units, { status: 'REQUIRES_ACTION', items: [line('A', 2)] });
    addOrderUnits(units, { status: 'COMPLETED', items: [line('A', 3), line('B', 1)] });
    addOrderUnits(units, { status: 'REFUNDED', items: [line('B', 4)], refund: { at: 'x', restock: false } });
    addOrderUnits(units, { status: 'REFUNDED', items: [line('B', 8)], refund: { at: 'x', restock: true } });
    addOrderUnits(units, { status: 'CANCELLED', items: [line('B', 16)] });

    // Assess
    expect(Object.fromEntries(units)).toEqual({ A: { reserved: 3, sold: 3 }, B: { reserved: 0, sold: 5 } });
  });

  it('names the SKU, the bucket and both counts of every disagreement, and a broken invariant', () => {
    // Act
    const consistent = stockDiscrepancies('A', levels({ total: 6, available: 1, held: 2, reserved: 1, sold: 2 }), 2, { reserved: 1, sold: 2 });
    const corrupted = stockDiscrepancies('A', levels({ total: 6, available: 1, held: 3, reserved: 1, sold: 2 }), 2, { reserved: 1, sold: 2 });

    // Assess
    expect(consistent).toEqual([]);
    expect(corrupted).toEqual([
      { sku: 'A', bucket: 'held', counter: 3, recomputed: 2 },
      { sku: 'A', bucket: 'invariant', counter: 7, recomputed: 6 },
    ]);
  });
});

describe('the payment reconciler', () => {
  const order = (id: string, status: OrderSummary['status'], paymentIntentId: string | null = null, paymentStatus: OrderSummary['payment']['status'] = 'pending'): [string, OrderSummary] => [
    id,
    { id, status, payment: { status: paymentStatus, paymentIntentId } },
  ];
  const intent = (id: string, orderId: string | undefined, status = 'succeeded') => ({ id, status, amount: 100, ...(orderId ? { orderId } : {}) });

  it('settles a waiting order whose payment succeeded and refunds one that was cancelled or failed', () => {
    // Prepare
    const orders = new Map([order('o1', 'REQUIRES_ACTION', 'pi1'), order('o2', 'PENDING'), order('o3', 'CANCELLED', 'pi3', 'canceled'), order('o4', 'PAYMENT_FAILED', 'pi4', 'failed'), order('o5', 'CANCELLED', 'pi5', 'refunded')]);

    // Act
    const { repairs, discrepancies } = reconcilePayments([intent('pi1', 'o1'), intent('pi2', 'o2'), intent('pi3', 'o3'), intent('pi4', 'o4'), intent('pi5', 'o5')], orders);

    // Assess
    expect(repairs).toEqual([
      { action: 'settle', orderId: 'o1', paymentIntentId: 'pi1' },
      { action: 'settle', orderId: 'o2', paymentIntentId: 'pi2' },
      { action: 'refund', orderId: 'o3', paymentIntentId: 'pi3' },
      { action: 'refund', orderId: 'o4', paymentIntentId: 'pi4' },
    ]);
    expect(discrepancies).toEqual([]);
  });

  it('raises a paid order without a succeeded payment, a payment without an order, and a second charge', () => {
    // Prepare
    const orders = new Map([order('o1', 'PAID', 'pi1', 'succeeded'), order('o2', 'FULFILLED', 'pi2a', 'succeeded')]);
    const intents = [intent('pi1', 'o1', 'requires_payment_method'), intent('pi2a', 'o2'), intent('pi2b', 'o2'), intent('pi9', 'o9'), intent('pi0', undefined), intent('pi8', 'o8', 'canceled')];

    // Act
    const { repairs, discrepancies } = reconcilePayments(intents, orders);

    // Assess
    expect(repairs).toEqual([]);
    expect(discrepancies.map(({ kind, orderId, paymentIntentIds }) => ({ kind, orderId, paymentIntentIds }))).toEqual([
      { kind: 'PAYMENT_WITHOUT_ORDER', orderId: 'o9', paymentIntentIds: ['pi9'] },
      { kind: 'PAYMENT_WITHOUT_ORDER', orderId: null, paymentIntentIds: ['pi0'] },
      { kind: 'PAID_WITHOUT_PAYMENT', orderId: 'o1', paymentIntentIds: ['pi1'] },
      { kind: 'DUPLICATE_CHARGE', orderId: 'o2', paymentIntentIds: ['pi2a', 'pi2b'] },
    ]);
  });
});
