import {
  applyMove,
  EMPTY_STOCK,
  guardsOf,
  InventoryBelowCommitted,
  invariantViolations,
  isBalanced,
  setTotalMove,
  stockMoves,
  type StockLevels,
} from '../../functions/domain/stock';

const levels = (l: Partial<StockLevels>): StockLevels => ({ ...EMPTY_STOCK, ...l });

describe('stock moves', () => {
  it('every named move keeps the invariant by construction', () => {
    // Prepare
    const moves = Object.values(stockMoves).map((move) => move(3));
    // Act / Assess
    for (const move of moves) expect(isBalanced(move)).toBe(true);
    expect(isBalanced({ available: -1 })).toBe(false);
    expect(isBalanced({ available: 1.5, total: 1.5 })).toBe(false);
  });

  it('walks a unit through hold → reservation → sale and keeps the sum equal to total', () => {
    let stock = levels({ total: 10, available: 10 });
    for (const move of [stockMoves.hold(4), stockMoves.reserveHeld(3), stockMoves.sell(2), stockMoves.releaseReservation(1), stockMoves.releaseHold(1)]) {
      const result = applyMove(stock, move);
      if ('short' in result) throw new Error(`unexpected short ${result.short}`);
      stock = result.levels;
      expect(invariantViolations(stock)).toEqual([]);
    }
    expect(stock).toEqual({ total: 10, available: 8, held: 0, reserved: 0, sold: 2 });
  });

  it('refuses a move that would take a bucket below zero and names the bucket', () => {
    expect(applyMove(levels({ total: 2, available: 2 }), stockMoves.hold(3))).toEqual({ short: 'available' });
    expect(applyMove(levels({ total: 2, available: 2 }), stockMoves.sell(1))).toEqual({ short: 'reserved' });
  });

  it('guards exactly the fields a move decreases, with the amount it needs', () => {
    expect(guardsOf(stockMoves.hold(5))).toEqual({ available: 5 });
    expect(guardsOf(stockMoves.restock(-2))).toEqual({ total: 2, available: 2 });
    expect(guardsOf(stockMoves.restock(7))).toEqual({});
  });
});

describe('invariant checks', () => {
  it('accepts consistent levels and reports negative buckets and a wrong sum', () => {
    expect(invariantViolations(levels({ total: 5, available: 2, held: 1, reserved: 1, sold: 1 }))).toEqual([]);
    expect(invariantViolations(levels({ total: 5, available: -1, held: 6 }))).toEqual(['available is -1']);
    expect(invariantViolations(levels({ total: 5, available: 4 }))).toEqual([
      'available + held + reserved + sold = 4, total = 5',
    ]);
  });
});

describe('setting the total', () => {
  const committed = levels({ total: 10, available: 4, held: 3, reserved: 2, sold: 1 });

  it('moves total and available by the same delta', () => {
    expect(setTotalMove('MUG', committed, 8)).toEqual({ total: -2, available: -2 });
    expect(setTotalMove('MUG', committed, 20)).toEqual({ total: 10, available: 10 });
  });

  it('refuses a total below the held, reserved and sold units with the numbers in details', () => {
    expect(setTotalMove('MUG', committed, 6)).toEqual({ total: -4, available: -4 });
    const refuse = () => setTotalMove('MUG', committed, 5);
    expect(refuse).toThrow(InventoryBelowCommitted);
    try {
      refuse();
    } catch (error) {
      expect((error as InventoryBelowCommitted).statusCode).toBe(409);
      expect((error as InventoryBelowCommitted).details).toEqual([
        { sku: 'MUG', requestedTotal: 5, committed: 6, held: 3, reserved: 2, sold: 1 },
      ]);
    }
  });
});
