/** The bench's printed tables, beside the paper's Table 1 (Kelling, 2014). */
import type { BenchResult } from './index';
import { fmt, table } from './stats';
import { OPERATIONS, type Operation } from './workload';

/** The paper's Table 1: latency in ms. */
export const PAPER_TABLE_1: Readonly<Record<Operation, { p50: number; p95: number; p99: number }>> = {
  'product read': { p50: 12, p95: 28, p99: 45 },
  'cart update': { p50: 18, p95: 42, p99: 78 },
  search: { p50: 35, p95: 85, p99: 142 },
  checkout: { p50: 245, p95: 520, p99: 890 },
};

export function reportLines(result: BenchResult): string[] {
  const lines: string[] = [];
  lines.push(
    `Crowdstart bench, ${result.startedAt}: ${result.machine.cores} cores, load average at start ${result.machine.loadAverage.join(' ')}.`,
    'Latency in ms, over HTTP on localhost (every engine on this machine); floor = the same DynamoDB calls sent raw from the bench process.',
    `Idle stack CPU: ${fmt(result.idle.cores * 100, 1)}% of a core over ${fmt(result.idle.seconds, 0)} s (DynamoDB Local JVM ${fmt(result.idle.jvmCores * 100, 1)}%).`,
  );
  for (const step of result.steps) {
    const errors = OPERATIONS.reduce((n, op) => n + Object.values(step.operations[op].errors).reduce((a, b) => a + b, 0), 0);
    lines.push(
      '',
      `=== ${step.vus} VU${step.vus > 1 ? 's' : ''}, ${step.seconds} s: ${step.requests} requests, ${fmt(step.throughput)} req/s, ` +
        `errors ${errors}, stack CPU ${fmt(step.cpuCores, 2)} cores ===`,
    );
    const rows = OPERATIONS.map((op) => {
      const s = step.operations[op];
      const paper = PAPER_TABLE_1[op];
      const floor = step.floor[op];
      return [
        op, String(s.count), fmt(s.p50), fmt(s.p95), fmt(s.p99),
        `${paper.p50}/${paper.p95}/${paper.p99}`, fmt(floor.p50), fmt(floor.p99), ratioOverFloor(s.p50, floor.p50),
      ];
    });
    lines.push(`  stack CPU per request: ${fmt(step.cpuMsPerRequest.total, 1)} ms (DynamoDB Local JVM ${fmt(step.cpuMsPerRequest.jvm, 1)} ms)`);
    lines.push(...table(['operation', 'n', 'p50', 'p95', 'p99', 'paper p50/p95/p99', 'floor p50', 'floor p99', 'p50/floor'], rows));
    for (const op of OPERATIONS) {
      const errs = Object.entries(step.operations[op].errors);
      if (errs.length) lines.push(`  ${op} errors: ${errs.map(([what, n]) => `${what} ×${n}`).join(', ')}`);
    }
    lines.push(`  floor: ${step.floorCalls} raw calls at ${step.vus} concurrent, ${step.floorRefused} refused by a condition on the scratch table`);
  }
  lines.push('p50/floor "-": the median request made no store call (a catalog cache hit), so there is no floor to divide by.');
  lines.push('', '=== Round trips per operation (counted by the call recorder), and a modelled AWS latency ===');
  const rows = OPERATIONS.map((op) => {
    const t = result.trips[op];
    const calls = Object.entries(t.byOperation).sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name.replace('dynamodb ', '')}×${fmt(n, 1)}`).join(' ');
    return [op, String(t.invocations), fmt(t.storeCalls), `${fmt(t.storeChain)} / ${t.storeChainMax}`, fmt(t.otherCalls), fmt(t.modelledMs, 0), String(PAPER_TABLE_1[op].p50), calls];
  });
  lines.push(...table(['operation', 'invocations', 'store calls', 'chain mean / max', 'other calls', 'AWS model p50', 'paper p50', 'calls per invocation'], rows));
  lines.push('  chain: the longest run of store calls one after another; model: API Gateway + Lambda + each sequential group at the latencies in bin/support/bench/aws-model.ts.');
  const c = result.checkouts;
  lines.push(
    '',
    `Checkouts accepted: ${c.accepted}; reached PAID: ${c.paid}${c.accepted === c.paid ? ' (all)' : `; NOT PAID: ${JSON.stringify(c.others)}`}.`,
    'The machine is shared: other work on it inflates every figure. Read them as relative figures, not as AWS latencies.',
  );
  return lines;
}

/** An operation's p50 over its floor's; none when the median request made no store call (a cache hit). */
function ratioOverFloor(p50: number, floorP50: number): string {
  return floorP50 >= 0.05 ? fmt(p50 / floorP50, 2) : '-';
}
