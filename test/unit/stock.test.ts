import {
  applyMove,
  EMPTY_STOCK,
  guardsOf,
  InventoryBelowCommitted,
  invariantViolations,
  isBalanced,
  planShardTotals,
  stockMoves,
  sumLevels,
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

  it('sets the total of an unsharded SKU, its available following', () => {
    expect(planShardTotals('MUG', [committed], 8, 1)).toEqual([8]);
    expect(planShardTotals('MUG', [committed], 20, 1)).toEqual([20]);
  });

  it('refuses a total below the held, reserved and sold units with the numbers in details', () => {
    expect(planShardTotals('MUG', [committed], 6, 1)).toEqual([6]);
    const refuse = () => planShardTotals('MUG', [committed], 5, 1);
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

describe('sharded stock plans', () => {
  const shardOf = (total: number, held: number, sold = 0) => ({ total, available: total - held - sold, held, reserved: 0, sold });

  it('keeps every shard its committed units and spreads the shelf over the active shards', () => {
    const totals = planShardTotals('SKU', [shardOf(20, 10)], 40, 4);

    expect(totals).toEqual([10 + 8, 8, 7, 7]);
  });

  it('leaves a shard beyond the new count only its committed units', () => {
    const totals = planShardTotals('SKU', [shardOf(10, 2), shardOf(10, 3, 1), shardOf(10, 0)], 30, 1);

    expect(totals).toEqual([2 + 24, 4, 0]);
  });

  it('refuses a total below the committed units of all shards', () => {
    expect(() => planShardTotals('SKU', [shardOf(10, 6), shardOf(10, 5)], 10, 2)).toThrow(InventoryBelowCommitted);
  });

  it('sums shards that each keep the invariant into levels that keep it', () => {
    const sum = sumLevels([shardOf(10, 2), shardOf(5, 1, 3)]);

    expect(sum).toEqual({ total: 15, available: 9, held: 3, reserved: 0, sold: 3 });
    expect(invariantViolations(sum)).toEqual([]);
  });
});
