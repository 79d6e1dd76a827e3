/**
 * `npm run cost`: the monthly AWS bill for 100,000 orders a month at the paper's mix, projected
 * from a bench run's counters (bin/support/bench/cost.ts), beside the paper's Table 2. Reads
 * COST_INPUT (default .bench/bench.json, what `npm run bench` writes); without one it runs a
 * short bench first (4 VUs, BENCH_SECONDS default 10). Writes .bench/cost.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBench, type BenchResult } from './support/bench';
import { costLines, projectCost } from './support/bench/cost';
import { benchSettings, outDir } from './support/bench/settings';

async function benchResult(): Promise<BenchResult> {
  const input = process.env.COST_INPUT || join(outDir(), 'bench.json');
  if (existsSync(input)) {
    console.log(`reading ${input}`);
    return JSON.parse(readFileSync(input, 'utf8')) as BenchResult;
  }
  console.log(`no ${input}: running a short bench first …`);
  const settings = { ...benchSettings(), vus: [4], seconds: Number(process.env.BENCH_SECONDS || 10) };
  const { result } = await runBench(settings, (line) => console.log(line), () => undefined);
  return result;
}

benchResult().then(
  (bench) => {
    const cost = projectCost(bench);
    for (const line of costLines(bench, cost)) console.log(line);
    mkdirSync(outDir(), { recursive: true });
    const file = join(outDir(), 'cost.json');
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), bench: bench.startedAt, ...cost }, null, 2));
    console.log(`wrote ${file}`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error('[cost] failed:', error);
    process.exit(1);
  },
);
