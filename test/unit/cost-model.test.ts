/** The monthly bill of `npm run cost` (bin/support/bench/cost.ts): what it counts as AWS would bill it. */
import { addRecording, type FunctionCounters } from '../../bin/support/bench/counters';
import { MONTHLY_REQUESTS, projectCost } from '../../bin/support/bench/cost';
import type { BenchResult } from '../../bin/support/bench/index';
import { STREAM_CONSUMERS } from '../../lib/consumers';
import { memoryOf } from '../../lib/function-memory';

const counters = (c: Partial<FunctionCounters>): FunctionCounters => ({
  invocations: 0, billedMs: 0, cpuMs: 0, records: 0, rru: 0, wru: 0, refusedWrites: 0, wruBy: {}, calls: {}, ...c,
});

/** A bench of 5,000 requests (each counter × 1,000 for the month) with these counters in the mix and, apart, at 1 VU. */
function bench(mix: Record<string, FunctionCounters>, oneVu: Record<string, FunctionCounters> = {}): BenchResult {
  return {
    startedAt: '2026-12-02T00:00:00.000Z',
    steps: [{ vus: 1, counters: oneVu }],
    mix: { requests: MONTHLY_REQUESTS / 1000, seconds: 60, logBytes: 0, counters: mix },
    lifecycle: { orders: 0, transitions: [], sqsTasks: [], counters: {} },
    checkouts: { accepted: 0, paid: 0, others: {} },
  } as unknown as BenchResult;
}

describe('the cost model', () => {
  it('invokes a stream consumer once per batching window that holds records, not as often as the local poller did', () => {
    // Prepare: 3,000 records in 1,000 local invocations, so 3 million records a month
    const consumer = STREAM_CONSUMERS.find((c) => c.handler === 'queue/search-indexer')!;
    const fn = consumer.handler;

    // Act
    const { functions } = projectCost(bench({ [fn]: counters({ invocations: 1000, billedMs: 1000, records: 3000 }) }));

    // Assess
    const month = functions.find((f) => f.fn === fn)!;
    expect(month.localInvocations).toBe(1_000_000);
    expect(month.invocations).toBeLessThanOrEqual((30 * 24 * 3600) / consumer.batchingWindowSeconds!);
    expect(month.invocations).toBeGreaterThan(3_000_000 / (consumer.batchSize ?? 100));
  });

  it('bills compute at each function\'s own memory and its 1-VU duration, not the mean under load', () => {
    // Prepare: 20 ms a read at 1 VU, 200 ms over every level
    const fn = 'api/get-product';

    // Act
    const { functions } = projectCost(bench({ [fn]: counters({ invocations: 100, billedMs: 20_000 }) }, { [fn]: counters({ invocations: 10, billedMs: 200 }) }));

    // Assess
    const month = functions.find((f) => f.fn === fn)!;
    expect(month).toMatchObject({ invocations: 100_000, memoryMb: memoryOf(fn), ms: 20, msFrom: '1 VU', msAllLevels: 200 });
    expect(month.gbSeconds).toBeCloseTo((100_000 * 0.02 * memoryOf(fn)) / 1024);
  });

  it('counts only finished invocations and their calls: one still running at the drain has no duration to bill', () => {
    // Prepare: one finished read, and a stream batch still running when the recording was drained
    const recording = {
      invocations: [
        { id: 'a', function: 'api/get-product', start: 0, end: 12 },
        { id: 'b', function: 'queue/search-indexer', start: 5 },
      ],
      calls: [
        { invocation: 'a', service: 'dynamodb', operation: 'BatchGetItem', start: 1, end: 4, capacity: { read: 1, write: 0, byIndex: {} } },
        { invocation: 'b', service: 'dynamodb', operation: 'BatchWriteItem', start: 6, end: 9, capacity: { read: 0, write: 2, byIndex: {} } },
      ],
    };

    // Act
    const counted = addRecording({}, recording);

    // Assess
    expect(Object.keys(counted)).toEqual(['api/get-product']);
    expect(counted['api/get-product']).toMatchObject({ invocations: 1, billedMs: 12, rru: 1 });
    expect(() => projectCost(bench(counted))).not.toThrow();
  });
});
