/**
 * The flash-sale benchmark (`npm run bench:flash`, and its short form in the suite): holds per
 * second on ONE SKU, unsharded and sharded, measured on a local stack over HTTP, printed beside
 * the AWS capacity model. It prints numbers and never fails on them.
 */
import { apiClient } from '../api';
import { createSku } from '../skus';

type Api = ReturnType<typeof apiClient>;

export interface FlashBenchOptions {
  /** Cart adds per scenario, each by a new customer. */
  readonly holds: number;
  /** Adds in flight at once. */
  readonly concurrency: number;
  /** The shard counts to compare; 1 is the unsharded SKU. */
  readonly shardCounts: readonly number[];
}

export interface FlashBenchRow {
  readonly shards: number;
  readonly holds: number;
  readonly held: number;
  readonly refused: number;
  readonly other: number;
  readonly wallMs: number;
  readonly p50: number;
  readonly p95: number;
  readonly awsHoldsPerSecond: number;
}

/**
 * The AWS capacity model of one SKU's holds per second (docs/hot-items.md). Each hold is one
 * TransactWriteItems of the cart line and one stock shard, so each shard record takes 2 WCU per
 * hold (transactional, ≤ 1 KB) of the ~1,000 WCU/s one item can take; the line's index entries
 * go to the shard's gsi1 partition (1 WCU) and to one of 10 expiry partitions (gsi2); the add
 * reads the SKU's VARIANT item (0.5 RCU, eventually consistent, of 3,000 RCU/s per partition).
 */
export const AWS_MODEL = {
  itemWriteUnitsPerSecond: 1_000,
  partitionReadUnitsPerSecond: 3_000,
  stockWriteUnitsPerHold: 2,
  indexWriteUnitsPerHold: 1,
  expiryIndexPartitions: 10,
  variantReadUnitsPerHold: 0.5,
};

/** Holds per second one SKU takes on AWS with `shards` stock shards, and which limit binds. */
export function awsHoldsPerSecond(shards: number): { holdsPerSecond: number; bound: string } {
  const m = AWS_MODEL;
  const limits: [string, number][] = [
    [`${shards} stock record(s) × ${m.itemWriteUnitsPerSecond} WCU ÷ ${m.stockWriteUnitsPerHold}`, (shards * m.itemWriteUnitsPerSecond) / m.stockWriteUnitsPerHold],
    [`${shards} gsi1 partition(s) × ${m.itemWriteUnitsPerSecond} WCU ÷ ${m.indexWriteUnitsPerHold}`, (shards * m.itemWriteUnitsPerSecond) / m.indexWriteUnitsPerHold],
    [`${m.expiryIndexPartitions} gsi2 expiry partitions × ${m.itemWriteUnitsPerSecond} WCU`, m.expiryIndexPartitions * m.itemWriteUnitsPerSecond],
    [`VARIANT reads: ${m.partitionReadUnitsPerSecond} RCU ÷ ${m.variantReadUnitsPerHold} (uncached)`, m.partitionReadUnitsPerSecond / m.variantReadUnitsPerHold],
  ];
  const [bound, holdsPerSecond] = limits.reduce((a, b) => (b[1] < a[1] ? b : a));
  return { holdsPerSecond, bound };
}

/** Runs every scenario on `api`'s stack, one fresh SKU each (stocked so it never sells out). */
export async function runFlashBench(api: Api, options: FlashBenchOptions): Promise<FlashBenchRow[]> {
  const rows: FlashBenchRow[] = [];
  for (const shards of options.shardCounts) rows.push(await scenario(api, shards, options));
  return rows;
}

async function scenario(api: Api, shards: number, { holds, concurrency }: FlashBenchOptions): Promise<FlashBenchRow> {
  const sku = await createSku(api, 0);
  const stocked = await api.put(`/admin/inventory/${sku}`, { token: await api.adminToken(), body: { total: holds, shards } });
  if (stocked.status !== 200) throw new Error(`PUT /admin/inventory answered ${stocked.status}: ${JSON.stringify(stocked.body)}`);
  const tokens = await Promise.all(Array.from({ length: holds }, () => api.customerToken()));
  const latencies: number[] = [];
  const statuses: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, holds) }, async () => {
      for (let i = next++; i < holds; i = next++) {
        const sent = performance.now();
        const res = await api.post('/cart/items', { token: tokens[i]!, body: { sku, quantity: 1 } }).catch(() => ({ status: 0 }));
        latencies.push(performance.now() - sent);
        statuses.push(res.status);
      }
    }),
  );
  const wallMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  const held = statuses.filter((s) => s === 201).length;
  const refused = statuses.filter((s) => s === 409).length;
  return { shards, holds, held, refused, other: holds - held - refused, wallMs, p50: at(0.5), p95: at(0.95), awsHoldsPerSecond: awsHoldsPerSecond(shards).holdsPerSecond };
}

/** The table `npm run bench:flash` prints (markdown, so it pastes into the docs). */
export function formatFlashTable(rows: readonly FlashBenchRow[], concurrency: number): string {
  const lines = [
    `| SKU | adds (c=${concurrency}) | held | refused | other | local holds/s | p50 ms | p95 ms | AWS model holds/s | bound by |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => {
      const perSecond = r.held / (r.wallMs / 1000);
      const name = r.shards === 1 ? 'unsharded' : `${r.shards} shards`;
      return `| ${name} | ${r.holds} | ${r.held} | ${r.refused} | ${r.other} | ${perSecond.toFixed(1)} | ${r.p50} | ${r.p95} | ${r.awsHoldsPerSecond.toLocaleString('en-US')} | ${awsHoldsPerSecond(r.shards).bound} |`;
    }),
  ];
  return lines.join('\n');
}
