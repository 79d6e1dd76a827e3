/**
 * The short form of `npm run bench`, `npm run bench:cold` and `npm run cost`: each command as a
 * user runs it, in a tiny configuration, printing its tables and writing its files. Speed is
 * never asserted: these commands print figures, and a slow machine is no failure.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

function command(script: string, env: Record<string, string>) {
  return run(join(ROOT, 'node_modules', '.bin', 'node'), ['--import', 'tsx', join(ROOT, 'bin', script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
}

describe('bench commands (short form)', () => {
  const out = mkdtempSync(join(tmpdir(), 'crowdstart-bench-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('npm run bench prints the latency, floor and round-trip tables and writes bench.json and bench.html', async () => {
    // Act
    const { stdout, stderr } = await command('bench.ts', {
      BENCH_VUS: '2',
      BENCH_SECONDS: '3',
      BENCH_FLOOR_SECONDS: '1',
      BENCH_PRODUCTS: '3',
      BENCH_LIFECYCLE_ORDERS: '1',
      BENCH_OUT: out,
    });

    // Assess
    expect(stdout).toMatch(/=== 2 VUs, [\d.]+ s: \d+ requests, [\d.]+ req\/s, errors \d+, stack CPU [\d.]+ cores ===/);
    expect(stdout).toMatch(/product read\s+\d+\s/);
    expect(stdout).toContain('12/28/45'); // the paper's Table 1 beside it
    expect(stdout).toContain('p50/floor');
    expect(stdout).toContain('Round trips per operation');
    expect(stdout).toMatch(/Checkouts accepted: \d+; reached PAID: \d+/);
    expect(stderr).toContain('2 VUs'); // the progress bar
    const result = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
    expect(result.steps.map((s: { vus: number }) => s.vus)).toEqual([2]);
    expect(result.trips['product read'].storeCalls).toBeGreaterThan(0);
    expect(result.checkouts.paid).toBe(result.checkouts.accepted);
    expect(readFileSync(join(out, 'bench.html'), 'utf8')).toContain('<svg');
  }, 300_000);

  it('npm run cost projects the monthly bill from that run beside the paper\'s Table 2 and writes cost.json', async () => {
    // Act
    const { stdout } = await command('cost.ts', { BENCH_OUT: out });

    // Assess
    expect(stdout).toContain('100,000 orders a month');
    expect(stdout).toMatch(/DynamoDB writes .*WRU/);
    expect(stdout).toMatch(/TOTAL \$[\d.]+ a month .*Table 2: \$258/);
    expect(existsSync(join(out, 'cost.json'))).toBe(true);
  }, 60_000);

  it('npm run bench:cold loads each bundle with no node_modules beside it (what the bundling leaves out stays unloaded), prints its size and init time and writes cold.json', async () => {
    // Act: checkout's bundle holds the DynamoDB, Step Functions and Secrets Manager clients and Stripe
    const { stdout } = await command('bench-cold.ts', { BENCH_COLD_FUNCTIONS: 'api/health,api/checkout', BENCH_COLD_RUNS: '1', BENCH_OUT: out });

    // Assess
    expect(stdout).toMatch(/api\/health\s+\d+\s+[\d.]+/);
    expect(stdout).toMatch(/api\/checkout\s+\d+\s+[\d.]+/);
    const cold = JSON.parse(readFileSync(join(out, 'cold.json'), 'utf8'));
    expect(cold.results).toEqual(['api/health', 'api/checkout'].map((module) => expect.objectContaining({ module, bundleKb: expect.any(Number), initMs: expect.any(Number) })));
  }, 120_000);
});
