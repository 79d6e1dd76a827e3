import {
  assertCancellable,
  canTransition,
  InvalidOrderTransition,
  ORDER_STATUSES,
  OrderCancelled,
  OrderRefunded,
  orderTotal,
  planTransition,
  quantitiesBySku,
  routeOrderAction,
  sourcesOf,
  stockMoveFor,
  tokensConsumedBy,
  WAITING_STATUS,
  type OrderStatus,
  type RoutableOrder,
} from '../../functions/domain/order';
import { applyMove, invariantViolations, stockMoves, type StockLevels } from '../../functions/domain/stock';

const TERMINAL: OrderStatus[] = ['PAYMENT_FAILED', 'CANCELLED', 'REFUNDED'];

describe('order transitions', () => {
  it('follows the happy path PENDING → PAID → FULFILLED → COMPLETED', () => {
    expect(canTransition('PENDING', 'PAID')).toBe(true);
    expect(canTransition('PAID', 'FULFILLED')).toBe(true);
    expect(canTransition('FULFILLED', 'COMPLETED')).toBe(true);
  });

  it('lets a payment wait for authentication and then succeed, fail or be cancelled', () => {
    expect(sourcesOf('REQUIRES_ACTION')).toEqual(['PENDING']);
    for (const to of ['PAID', 'PAYMENT_FAILED', 'CANCELLED'] as const) expect(canTransition('REQUIRES_ACTION', to)).toBe(true);
  });

  it('never leaves a terminal status', () => {
    for (const from of TERMINAL) for (const to of ORDER_STATUSES) expect(canTransition(from, to)).toBe(false);
  });

  it('allows cancellation until the merchant ships, and not after', () => {
    expect(sourcesOf('CANCELLED')).toEqual(['PENDING', 'REQUIRES_ACTION', 'PAID']);
    expect(() => assertCancellable({ id: 'o1', status: 'PAID' })).not.toThrow();
    expect(() => assertCancellable({ id: 'o1', status: 'FULFILLED' })).toThrow(expect.objectContaining({ code: 'ORDER_NOT_CANCELLABLE', statusCode: 409 }));
  });

  it('takes a shipped order back only as a refund (a return)', () => {
    expect(sourcesOf('REFUNDED')).toEqual(['FULFILLED', 'COMPLETED']);
    expect(ORDER_STATUSES.filter((to) => canTransition('COMPLETED', to))).toEqual(['REFUNDED']);
  });

  it('never skips payment or shipment', () => {
    expect(canTransition('PENDING', 'FULFILLED')).toBe(false);
    expect(canTransition('PENDING', 'COMPLETED')).toBe(false);
    expect(canTransition('PAID', 'COMPLETED')).toBe(false);
    expect(sourcesOf('PENDING')).toEqual([]);
  });
});

describe('stock moves of transitions', () => {
  it('sells the reservation when paid, from PENDING or after authentication', () => {
    expect(stockMoveFor('PENDING', 'PAID')).toBe('sell');
    expect(stockMoveFor('REQUIRES_ACTION', 'PAID')).toBe('sell');
  });

  it('releases the reservation when the payment fails or an unpaid order is cancelled', () => {
    expect(stockMoveFor('PENDING', 'PAYMENT_FAILED')).toBe('releaseReservation');
    expect(stockMoveFor('REQUIRES_ACTION', 'PAYMENT_FAILED')).toBe('releaseReservation');
    expect(stockMoveFor('PENDING', 'CANCELLED')).toBe('releaseReservation');
    expect(stockMoveFor('REQUIRES_ACTION', 'CANCELLED')).toBe('releaseReservation');
  });

  it('returns sold units when a paid order is cancelled before it ships', () => {
    expect(stockMoveFor('PAID', 'CANCELLED')).toBe('returnSold');
  });

  it('puts returned units back on the shelf only when the merchant restocks', () => {
    for (const from of ['FULFILLED', 'COMPLETED'] as const) {
      expect(stockMoveFor(from, 'REFUNDED')).toBeUndefined();
      expect(stockMoveFor(from, 'REFUNDED', { restock: true })).toBe('returnSold');
    }
  });

  it('moves no stock while waiting, shipping or completing', () => {
    expect(stockMoveFor('PENDING', 'REQUIRES_ACTION')).toBeUndefined();
    expect(stockMoveFor('PAID', 'FULFILLED')).toBeUndefined();
    expect(stockMoveFor('FULFILLED', 'COMPLETED')).toBeUndefined();
  });

  it('keeps the stock invariant along every path an order can take', () => {
    // Prepare: 10 units, 3 of them reserved by checkout
    const reserved: StockLevels = { total: 10, available: 7, held: 0, reserved: 3, sold: 0 };
    const paths: OrderStatus[][] = [
      ['PENDING', 'PAID', 'FULFILLED', 'COMPLETED'],
      ['PENDING', 'REQUIRES_ACTION', 'PAID', 'CANCELLED'],
      ['PENDING', 'REQUIRES_ACTION', 'PAYMENT_FAILED'],
      ['PENDING', 'PAYMENT_FAILED'],
      ['PENDING', 'CANCELLED'],
      ['PENDING', 'PAID', 'CANCELLED'],
      ['PENDING', 'PAID', 'FULFILLED', 'REFUNDED'],
      ['PENDING', 'PAID', 'FULFILLED', 'COMPLETED', 'REFUNDED'],
    ];
    for (const path of paths) {
      // Act: apply each transition's move for 3 units
      let levels = reserved;
      for (let i = 1; i < path.length; i++) {
        const move = stockMoveFor(path[i - 1]!, path[i]!);
        if (!move) continue;
        const result = applyMove(levels, stockMoves[move](3));
        if ('short' in result) throw new Error(`${path.join(' → ')} went short of ${result.short}`);
        levels = result.levels;
      }
      // Assess: consistent, and reserved always settles
      expect(invariantViolations(levels)).toEqual([]);
      expect(levels.reserved).toBe(0);
      const end = path.at(-1)!;
      expect(levels.sold).toBe(['COMPLETED', 'FULFILLED', 'PAID', 'REFUNDED'].includes(end) ? 3 : 0);
      expect(levels.available).toBe(levels.sold === 3 ? 7 : 10);
    }
  });
});

describe('planTransition', () => {
  it('applies a legal transition with its stock move', () => {
    expect(planTransition({ id: 'o1', status: 'PAID' }, 'CANCELLED')).toEqual({ kind: 'apply', from: 'PAID', to: 'CANCELLED', move: 'returnSold' });
    expect(planTransition({ id: 'o1', status: 'PAID' }, 'FULFILLED')).toEqual({ kind: 'apply', from: 'PAID', to: 'FULFILLED', move: undefined });
  });

  it('treats an order already in the target status as done (retries and re-runs are no-ops)', () => {
    for (const status of ORDER_STATUSES) expect(planTransition({ id: 'o1', status }, status)).toEqual({ kind: 'noop' });
  });

  it('reports a cancelled order as OrderCancelled, the error the workflow catches', () => {
    const error = (() => {
      try {
        planTransition({ id: 'o1', status: 'CANCELLED' }, 'PAID');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(OrderCancelled);
    expect(error).toMatchObject({ name: 'OrderCancelled', code: 'ORDER_CANCELLED', statusCode: 409 });
  });

  it('refuses every other illegal transition with InvalidOrderTransition', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        if (from === to || from === 'CANCELLED' || from === 'REFUNDED' || canTransition(from, to)) continue;
        expect(() => planTransition({ id: 'o1', status: from }, to)).toThrow(InvalidOrderTransition);
      }
    }
    expect(() => planTransition({ id: 'o1', status: 'COMPLETED' }, 'CANCELLED')).toThrow(
      expect.objectContaining({ name: 'InvalidOrderTransition', details: [{ from: 'COMPLETED', to: 'CANCELLED' }] }),
    );
  });

  it('reports a refunded order as OrderRefunded, which ends the delivery wait', () => {
    expect(() => planTransition({ id: 'o1', status: 'REFUNDED' }, 'COMPLETED')).toThrow(OrderRefunded);
    expect(() => planTransition({ id: 'o1', status: 'REFUNDED' }, 'COMPLETED')).toThrow(expect.objectContaining({ name: 'OrderRefunded' }));
  });

  it('applies a restocked return with the sold units going back', () => {
    expect(planTransition({ id: 'o1', status: 'COMPLETED' }, 'REFUNDED', { restock: true })).toEqual({
      kind: 'apply',
      from: 'COMPLETED',
      to: 'REFUNDED',
      move: 'returnSold',
    });
  });
});

describe('routeOrderAction: which wait serves an action', () => {
  const order = (status: OrderStatus, extra: Partial<RoutableOrder> = {}): RoutableOrder => ({
    id: 'o1',
    status,
    payment: { status: status === 'PENDING' ? 'pending' : 'succeeded', paymentIntentId: 'pi_1', paymentMethodId: 'pm_card_visa' },
    ...extra,
  });
  const attention = { step: 'Await fulfillment', error: 'States.TaskFailed', at: '2025-01-01T00:00:00.000Z' };

  it('resumes or fails the wait whose token the order holds', () => {
    expect(routeOrderAction(order('PAID', { tokens: { fulfillment: 'f' } }), 'fulfill')).toEqual({ via: 'token', token: 'f', signal: 'succeed' });
    expect(routeOrderAction(order('FULFILLED', { tokens: { delivery: 'd' } }), 'deliver')).toEqual({ via: 'token', token: 'd', signal: 'succeed' });
    expect(routeOrderAction(order('PAID', { tokens: { fulfillment: 'f' } }), 'cancel')).toEqual({ via: 'token', token: 'f', signal: 'OrderCancelled' });
    expect(routeOrderAction(order('REQUIRES_ACTION', { tokens: { authentication: 'a' } }), 'cancel')).toEqual({
      via: 'token',
      token: 'a',
      signal: 'OrderCancelled',
    });
    expect(routeOrderAction(order('PAID', { tokens: { fulfillment: 'f' } }), 'refund')).toEqual({ via: 'token', token: 'f', signal: 'OrderRefunded' });
  });

  it('asks the workflow when the wait has no token yet: busy only while the execution runs', () => {
    expect(routeOrderAction(order('PAID'), 'fulfill')).toEqual({ via: 'workflow', busyCode: 'ORDER_BUSY' });
    expect(routeOrderAction(order('FULFILLED'), 'deliver')).toEqual({ via: 'workflow', busyCode: 'ORDER_BUSY' });
    expect(routeOrderAction(order('PENDING'), 'cancel')).toEqual({ via: 'workflow', busyCode: 'PAYMENT_IN_PROGRESS' });
  });

  it('applies every action directly once the workflow gave up on the order, whatever tokens remain', () => {
    const stuck = (status: OrderStatus) => order(status, { attention, tokens: { fulfillment: 'stale' } });
    expect(routeOrderAction(stuck('PAID'), 'fulfill')).toEqual({ via: 'direct' });
    expect(routeOrderAction(stuck('PAID'), 'cancel')).toEqual({ via: 'direct' });
    expect(routeOrderAction(stuck('PAID'), 'refund')).toEqual({ via: 'direct' });
    expect(routeOrderAction(stuck('FULFILLED'), 'deliver')).toEqual({ via: 'direct' });
    expect(routeOrderAction(stuck('PENDING'), 'refund')).toEqual({ via: 'direct' });
  });

  it('refunds a shipped order directly, ending the delivery wait if there is one', () => {
    expect(routeOrderAction(order('FULFILLED', { tokens: { delivery: 'd' } }), 'refund')).toEqual({ via: 'direct', endWait: 'd' });
    expect(routeOrderAction(order('COMPLETED'), 'refund')).toEqual({ via: 'direct' });
  });

  it('settles a payment through the authentication wait, directly once the workflow gave up on it', () => {
    expect(routeOrderAction(order('REQUIRES_ACTION', { tokens: { authentication: 'a' } }), 'settle')).toEqual({ via: 'token', token: 'a', signal: 'succeed' });
    expect(routeOrderAction(order('PENDING'), 'settle')).toEqual({ via: 'workflow', busyCode: 'PAYMENT_IN_PROGRESS' });
    expect(routeOrderAction(order('REQUIRES_ACTION', { attention, tokens: { authentication: 'stale' } }), 'settle')).toEqual({ via: 'direct' });
    expect(routeOrderAction(order('PENDING', { attention }), 'settle')).toEqual({ via: 'direct' });
  });

  it('answers the action in a status it does not apply to with its 409', () => {
    const codeOf = (o: RoutableOrder, action: Parameters<typeof routeOrderAction>[1]) => {
      try {
        routeOrderAction(o, action);
        return undefined;
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    expect(codeOf(order('FULFILLED'), 'fulfill')).toBe('ORDER_NOT_FULFILLABLE');
    expect(codeOf(order('PAID'), 'deliver')).toBe('ORDER_NOT_DELIVERABLE');
    expect(codeOf(order('FULFILLED'), 'cancel')).toBe('ORDER_NOT_CANCELLABLE');
    expect(codeOf(order('PENDING'), 'refund')).toBe('ORDER_NOT_REFUNDABLE');
    expect(codeOf(order('REFUNDED'), 'refund')).toBe('ALREADY_REFUNDED');
    for (const status of ['PAID', 'PAYMENT_FAILED', 'CANCELLED'] as const) expect(codeOf(order(status), 'settle')).toBe('PAYMENT_ALREADY_SETTLED');
    expect(codeOf(order('COMPLETED', { payment: { status: 'refunded', paymentIntentId: 'pi_1', paymentMethodId: 'pm' } }), 'refund')).toBe('ALREADY_REFUNDED');
  });
});

describe('task tokens', () => {
  it('records each wait only in its own statuses', () => {
    expect(WAITING_STATUS).toEqual({ authentication: ['PENDING', 'REQUIRES_ACTION'], fulfillment: ['PAID'], delivery: ['FULFILLED'] });
  });

  it('drops a token once the order leaves its wait', () => {
    expect(tokensConsumedBy('REQUIRES_ACTION')).toEqual([]);
    expect(tokensConsumedBy('PAID')).toEqual(['authentication']);
    expect(tokensConsumedBy('PAYMENT_FAILED')).toEqual(['authentication']);
    expect(tokensConsumedBy('FULFILLED')).toEqual(['fulfillment']);
    expect(tokensConsumedBy('COMPLETED')).toEqual(['delivery']);
    expect(tokensConsumedBy('REFUNDED')).toEqual(['delivery']);
    expect(tokensConsumedBy('CANCELLED').sort()).toEqual(['authentication', 'fulfillment']);
  });

  it('never leaves a token behind for a status that cannot use it', () => {
    for (const to of ORDER_STATUSES) {
      for (const [kind, statuses] of Object.entries(WAITING_STATUS)) {
        if (statuses.includes(to)) continue;
        // Entering `to` from a status where the token was live must consume it.
        const wasLive = statuses.some((from) => canTransition(from, to));
        if (wasLive) expect(tokensConsumedBy(to)).toContain(kind);
      }
    }
  });
});

describe('order lines', () => {
  it('sums quantities per SKU, so one transaction touches each stock item once', () => {
    const lines = [
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 2 },
      { sku: 'A', quantity: 3 },
    ];
    expect([...quantitiesBySku(lines)]).toEqual([
      ['A', 4],
      ['B', 2],
    ]);
  });

  it('totals lines in one currency and refuses mixed currencies', () => {
    const usd = (amount: number) => ({ amount, currency: 'USD' });
    expect(orderTotal([{ quantity: 2, unitPrice: usd(1250) }, { quantity: 1, unitPrice: usd(99) }])).toEqual(usd(2599));
    expect(() => orderTotal([{ quantity: 1, unitPrice: usd(1) }, { quantity: 1, unitPrice: { amount: 1, currency: 'EUR' } }])).toThrow(
      expect.objectContaining({ code: 'MIXED_CURRENCIES' }),
    );
  });
});
