/**
 * `npm run bench:cold`: every function's bundle size and module-initialisation time, as a cold
 * start pays them (bin/support/bench/cold.ts). Prints figures, flags those over 300 KB / 40 ms,
 * never fails on them; writes .bench/cold.json.
 *
 * Settings: BENCH_COLD_FUNCTIONS (comma-separated modules, e.g. api/health; default all),
 * BENCH_COLD_RUNS (5), BENCH_COLD_NODE_OPTIONS (none, as on Lambda; e.g. --enable-source-maps),
 * BENCH_OUT (.bench/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { coldLines, runCold } from './support/bench/cold';
import { outDir, positiveInt } from './support/bench/settings';

const only = (process.env.BENCH_COLD_FUNCTIONS ?? '').split(',').map((m) => m.trim()).filter(Boolean);

runCold({ only, runs: positiveInt('BENCH_COLD_RUNS', 5), nodeOptions: process.env.BENCH_COLD_NODE_OPTIONS }, (line) => console.log(line)).then(
  (results) => {
    for (const line of coldLines(results)) console.log(line);
    mkdirSync(outDir(), { recursive: true });
    const file = join(outDir(), 'cold.json');
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
    console.log(`wrote ${file}`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error('[bench:cold] failed:', error);
    process.exit(1);
  },
);
