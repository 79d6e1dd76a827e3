/**
 * `npm run bench:flash`: holds per second on one SKU, unsharded and sharded, on a local stack of
 * its own (bin/dev.ts as a child process in a temp DATA_DIR, removed after), beside the AWS
 * capacity model. It prints numbers and never fails on them. Only ever targets localhost.
 *
 * Settings: FLASH_HOLDS (default 300) adds per scenario, FLASH_CONCURRENCY (default 16) in
 * flight, FLASH_SHARDS (default 16) the sharded scenario's shard count.
 */
import { rmSync } from 'node:fs';
import { apiClient } from './support/api';
import { AWS_MODEL, awsHoldsPerSecond, formatFlashTable, runFlashBench } from './support/flash/bench';
import { startStackProcess } from './support/stack-process';

const positiveInt = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};

const holds = positiveInt('FLASH_HOLDS', 300);
const concurrency = positiveInt('FLASH_CONCURRENCY', 16);
const shards = positiveInt('FLASH_SHARDS', 16);

const stack = await startStackProcess({ env: { SEED_DEMO: 'false', LOG_REQUESTS: 'false' } });
try {
  console.log(`[bench:flash] ${holds} cart adds of 1 unit per scenario, ${concurrency} in flight, on ${stack.url}`);
  const rows = await runFlashBench(apiClient(stack.url, stack.dataDir), { holds, concurrency, shardCounts: [1, shards] });
  console.log(formatFlashTable(rows, concurrency));
  console.log(
    `\nAWS model: one item takes ~${AWS_MODEL.itemWriteUnitsPerSecond} WCU/s and a transactional write costs ${AWS_MODEL.stockWriteUnitsPerHold} WCU, ` +
      `so each stock shard takes ~${awsHoldsPerSecond(1).holdsPerSecond} holds/s; 32 shards: ${awsHoldsPerSecond(32).holdsPerSecond.toLocaleString('en-US')} holds/s ` +
      `(${awsHoldsPerSecond(32).bound}). Local figures come from DynamoDB Local, which serializes every write on this machine: read them as relative.`,
  );
} finally {
  await stack.stop();
  rmSync(stack.dataDir, { recursive: true, force: true });
}
