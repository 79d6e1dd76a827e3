/**
 * The soak, as one function that `npm run soak` (bin/soak.ts) and its short form in the suite
 * (test/integration/soak.test.ts) both call, so both check the same invariants: many customers
 * and a merchant against a local stack of its own for a set time, with the local Stripe server
 * failing a share of calls, transient DynamoDB errors injected in front of DynamoDB Local, and
 * the whole stack SIGKILLed at random moments and restarted on the same data. Then the checks
 * of ./checks.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { finishAndCheck, type SoakEnd } from './checks';
import { soakClient, type SoakClient, type SoakStats } from './client';
import { newLedger, runCustomer, runMerchant, type Ledger } from './scenario';
import { startSoakStack, type SoakStack } from './stack';

export interface SoakSettings {
  /** How long customers and the merchant keep going. */
  readonly seconds: number;
  readonly customers: number;
  /** SIGKILLs of the whole stack, at random moments of the run. */
  readonly kills: number;
  /** STRIPE_FAILURE_RATE of the local Stripe server (0..1). */
  readonly stripeFailureRate: number;
  /** DYNAMODB_FAULT_RATE of the handlers' DynamoDB calls (0..1). */
  readonly dynamoFaultRate: number;
  readonly skus: number;
  /** Units per SKU at the start: few enough that SKUs sell out and customers compete. */
  readonly stockPerSku: number;
  readonly holdTtlSeconds: number;
  /** How long after the end an operation under way keeps retrying (after a crash, a key stays locked 60 s). */
  readonly graceSeconds: number;
  /** Share of mutation answers the client treats as lost (a timeout), retrying with the same key. */
  readonly lostAnswerRate: number;
  readonly progressSeconds: number;
}

export interface SoakReport {
  readonly settings: SoakSettings;
  readonly end: SoakEnd;
  readonly ledger: Ledger;
  readonly stats: SoakStats;
  readonly kills: { atSeconds: number; downSeconds: number }[];
  readonly dynamoFaultsInjected: Record<string, number>;
  readonly elapsedSeconds: number;
}

export async function runSoak(settings: SoakSettings, print: (line: string) => void): Promise<SoakReport> {
  const started = Date.now();
  const log = (line: string) => print(`+${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s  ${line}`);
  log(`starting a local stack: STRIPE_FAILURE_RATE=${settings.stripeFailureRate} DYNAMODB_FAULT_RATE=${settings.dynamoFaultRate} …`);
  const stack = await startSoakStack({
    SEED_DEMO: 'false',
    LOG_REQUESTS: 'false',
    STRIPE_FAILURE_RATE: String(settings.stripeFailureRate),
    DYNAMODB_FAULT_RATE: String(settings.dynamoFaultRate),
    HOLD_TTL_SECONDS: String(settings.holdTtlSeconds),
    SWEEP_INTERVAL_SECONDS: '2',
    COMPLETE_AFTER_SECONDS: '20',
  });
  try {
    const client = soakClient(stack.url, stack.dataDir, settings.lostAnswerRate);
    const ledger = newLedger(await createCatalog(client, settings));
    log(`stack at ${stack.url}; ${settings.skus} SKUs of ${settings.stockPerSku} units; ${settings.customers} customers for ${settings.seconds} s, ${settings.kills} kill(s)`);
    const runStarted = Date.now();
    const deadline = runStarted + settings.seconds * 1000;
    const run = { client, stack, ledger, deadline, opDeadline: deadline + settings.graceSeconds * 1000 };
    const kills: SoakReport['kills'] = [];
    const dynamoFaultsInjected: Record<string, number> = {};
    const progress = setInterval(() => log(progressLine(runStarted, settings, ledger, client.stats, kills)), settings.progressSeconds * 1000);
    try {
      await Promise.all([
        ...Array.from({ length: settings.customers }, (_, i) => runCustomer(run, i)),
        runMerchant(run),
        crashAtRandomMoments(stack, settings, { runStarted, deadline, kills, dynamoFaultsInjected }, log),
      ]);
    } finally {
      clearInterval(progress);
    }
    log(progressLine(runStarted, settings, ledger, client.stats, kills));
    await addInjectedFaults(stack, dynamoFaultsInjected);
    const end = await finishAndCheck(client, stack, ledger, log);
    return { settings, end, ledger, stats: client.stats, kills, dynamoFaultsInjected, elapsedSeconds: (Date.now() - started) / 1000 };
  } finally {
    await stack.dispose();
  }
}

/** `skus` one-variant products with stock, created through the retrying client (faults are on already). */
async function createCatalog(client: SoakClient, settings: SoakSettings): Promise<string[]> {
  const admin = await client.token('soak-merchant', true);
  const skus = Array.from({ length: settings.skus }, (_, i) => `SOAK-${i}-${Date.now().toString(36)}`.toUpperCase());
  for (const [i, sku] of skus.entries()) {
    const product = await client.request('POST', '/admin/products', {
      token: admin,
      body: {
        name: `Soak item ${i}`,
        description: 'A product of the soak test',
        tags: ['soak'],
        images: [],
        variants: [{ sku, name: 'One size', options: {}, price: { amount: 500 + 250 * i, currency: 'USD' } }],
      },
    });
    if (product.status !== 201) throw new Error(`POST /admin/products answered ${product.status}: ${JSON.stringify(product.body)}`);
    const stocked = await client.request('PUT', `/admin/inventory/${sku}`, { token: admin, body: { total: settings.stockPerSku } });
    if (stocked.status !== 200) throw new Error(`PUT /admin/inventory answered ${stocked.status}: ${JSON.stringify(stocked.body)}`);
  }
  return skus;
}

/** The kills, at sorted random moments between 15% and 80% of the run. */
async function crashAtRandomMoments(
  stack: SoakStack,
  settings: SoakSettings,
  run: { runStarted: number; deadline: number; kills: SoakReport['kills']; dynamoFaultsInjected: Record<string, number> },
  log: (line: string) => void,
) {
  const { runStarted, deadline, kills } = run;
  const span = deadline - runStarted;
  const moments = Array.from({ length: settings.kills }, () => runStarted + span * (0.15 + 0.65 * Math.random())).sort((a, b) => a - b);
  for (const [i, moment] of moments.entries()) {
    await sleep(Math.max(0, moment - Date.now()));
    if (Date.now() >= deadline) return;
    const atSeconds = (Date.now() - runStarted) / 1000;
    await addInjectedFaults(stack, run.dynamoFaultsInjected); // the proxy's counts die with the stack
    log(`${atSeconds.toFixed(0)} s: SIGKILL of the whole stack (kill ${i + 1}/${settings.kills}) …`);
    const { downMs } = await stack.crashAndRestart();
    kills.push({ atSeconds, downSeconds: downMs / 1000 });
    log(`restarted on the same data after ${(downMs / 1000).toFixed(1)} s`);
  }
}

/** Adds what the current stack's DynamoDB fault proxy injected so far to `total`. */
async function addInjectedFaults(stack: SoakStack, total: Record<string, number>): Promise<void> {
  if (!(Number(stack.env.DYNAMODB_FAULT_RATE) > 0)) return;
  const res = await fetch(`${stack.engines().dynamodb}/_local/faults`);
  const { injected } = (await res.json()) as { injected: Record<string, number> };
  for (const [name, n] of Object.entries(injected)) total[name] = (total[name] ?? 0) + n;
}

function progressLine(runStarted: number, settings: SoakSettings, ledger: Ledger, stats: SoakStats, kills: unknown[]): string {
  const c = ledger.counts;
  const elapsed = Math.min(settings.seconds, Math.round((Date.now() - runStarted) / 1000));
  const retries = Object.entries(stats.retries).map(([why, n]) => `${why} ${n}`).join(', ');
  return (
    `${elapsed}/${settings.seconds} s | cart adds ${c['cart adds'] ?? 0}, checkouts ${c['checkouts'] ?? 0} (accepted ${c['checkouts accepted'] ?? 0}), ` +
    `cancels ${c['cancels accepted'] ?? 0}, shipped ${c['admin fulfillment accepted'] ?? 0}, refunds ${c['admin refund accepted'] ?? 0} | ` +
    `requests ${stats.requests}, retries: ${retries}; gave up ${stats.gaveUp} | kills ${kills.length}/${settings.kills}`
  );
}

/** The printed summary: what ran, what was injected, and each check with its violations. */
export function summaryLines(report: SoakReport): string[] {
  const { end, stats, settings } = report;
  const lines = [
    `SOAK SUMMARY (${report.elapsedSeconds.toFixed(0)} s in all; ${settings.seconds} s of traffic, ${settings.customers} customers)`,
    `  kills: ${report.kills.map((k) => `at ${k.atSeconds.toFixed(0)} s (down ${k.downSeconds.toFixed(1)} s)`).join(', ') || 'none'}`,
    `  faults: Stripe ${settings.stripeFailureRate * 100}% of calls; DynamoDB ${settings.dynamoFaultRate * 100}% of calls, injected ${JSON.stringify(report.dynamoFaultsInjected)}`,
    `  requests ${stats.requests}, attempts ${stats.attempts}, idempotent replays ${stats.replayed}, gave up (in doubt) ${stats.gaveUp}`,
    `  retries: ${JSON.stringify(stats.retries)}; final answers by status ${JSON.stringify(stats.statuses)}`,
    `  activity: ${Object.entries(report.ledger.counts).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  orders: ${end.orders}, final statuses ${JSON.stringify(end.finalStatuses)}`,
  ];
  for (const check of end.checks) {
    lines.push(`  ${check.violations.length ? 'FAIL' : 'PASS'}  ${check.name}${check.violations.length ? ` (${check.violations.length})` : ''}`);
    for (const violation of check.violations.slice(0, 20)) lines.push(`          ${violation}`);
  }
  lines.push(`  reported (still queued, dead-lettered, parked stream batches): ${end.reported.length || 'none'}`);
  for (const entry of end.reported.slice(0, 20)) lines.push(`          ${entry}`);
  return lines;
}

export const violationsOf = (report: SoakReport) => report.end.checks.flatMap((c) => c.violations.map((v) => `${c.name}: ${v}`));
