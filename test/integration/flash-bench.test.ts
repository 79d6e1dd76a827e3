import { apiClient } from '../../bin/support/api';
import { formatFlashTable, runFlashBench } from '../../bin/support/flash/bench';

const api = apiClient();

describe('npm run bench:flash, short form', () => {
  it('measures holds on one SKU unsharded and sharded and prints the table beside the AWS model', async () => {
    // Act
    const rows = await runFlashBench(api, { holds: 12, concurrency: 4, shardCounts: [1, 4] });
    const table = formatFlashTable(rows, 4);

    // Assess: the table's shape and what every scenario did, never its speed
    expect(rows.map((r) => ({ shards: r.shards, held: r.held, other: r.other }))).toEqual([
      { shards: 1, held: 12, other: 0 },
      { shards: 4, held: 12, other: 0 },
    ]);
    expect(rows.map((r) => r.awsHoldsPerSecond)).toEqual([500, 2_000]);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toMatch(/\| unsharded \| 12 \| 12 \| 0 \| 0 \| [\d.]+ \|/);
    expect(table).toMatch(/\| 4 shards \| 12 \| 12 \| 0 \| 0 \| [\d.]+ \|/);
  }, 60_000);
});
