/**
 * `npm run bench`: the paper's mix (70% product reads, 20% cart updates, 8% searches, 2%
 * checkouts) over HTTP against a local stack of its own, at each VU count, with the floor, the
 * round trips and a modelled AWS latency beside the paper's Table 1 (bin/support/bench/).
 * It prints figures and never fails on them; it writes .bench/bench.json and .bench/bench.html.
 *
 * Settings: BENCH_VUS (1,16,64), BENCH_SECONDS (20 per step), BENCH_FLOOR_SECONDS (half a step),
 * BENCH_PRODUCTS (24), BENCH_LIFECYCLE_ORDERS (5), BENCH_OUT (.bench/).
 */
import { runBench } from './support/bench';
import { benchSettings } from './support/bench/settings';

const tty = process.stderr.isTTY;
let lastLine = 0;
/** The progress bar: redrawn in place on a terminal, a line every 5 s otherwise. */
const progress = (line: string, done: boolean) => {
  if (tty) return process.stderr.write(`\r${line}${done ? '\n' : ''}`);
  if (done || Date.now() - lastLine > 5000) {
    lastLine = Date.now();
    process.stderr.write(`${line}\n`);
  }
};

runBench(benchSettings(), (line) => console.log(line), progress).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('[bench] failed:', error);
    process.exit(1);
  },
);
