/**
 * `npm run soak`: many concurrent customers and a merchant against a local stack of its own for
 * a set time, with the local Stripe server failing a share of calls, transient DynamoDB errors
 * injected in front of DynamoDB Local, and the whole stack SIGKILLed at random moments and
 * restarted on the same data. It prints progress while it runs, then the checks
 * (bin/support/soak/checks.ts) and exits 1 when any of them found a violation.
 * The same soak runs in `npm test` in a short form (test/integration/soak.test.ts).
 *
 * Settings: SOAK_SECONDS (120), SOAK_CUSTOMERS (12), SOAK_KILLS (2), STRIPE_FAILURE_RATE (0.2),
 * DYNAMODB_FAULT_RATE (0.05), SOAK_SKUS (8), SOAK_STOCK (40 units per SKU),
 * SOAK_HOLD_TTL_SECONDS (30), SOAK_GRACE_SECONDS (90: how long an operation under way at the end
 * keeps retrying), SOAK_LOST_ANSWER_RATE (0.05: answers the client drops, as on a timeout, and
 * retries with the same Idempotency-Key), SOAK_PROGRESS_SECONDS (10).
 */
import { runSoak, summaryLines, violationsOf, type SoakSettings } from './support/soak';

function setting(name: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!valid(value)) throw new Error(`${name} is out of range: ${raw}`);
  return value;
}

const count = (n: number) => Number.isInteger(n) && n >= 0;
const positive = (n: number) => Number.isInteger(n) && n > 0;
const rate = (n: number) => n >= 0 && n <= 1;

const settings: SoakSettings = {
  seconds: setting('SOAK_SECONDS', 120, positive),
  customers: setting('SOAK_CUSTOMERS', 12, positive),
  kills: setting('SOAK_KILLS', 2, count),
  stripeFailureRate: setting('STRIPE_FAILURE_RATE', 0.2, rate),
  dynamoFaultRate: setting('DYNAMODB_FAULT_RATE', 0.05, rate),
  skus: setting('SOAK_SKUS', 8, positive),
  stockPerSku: setting('SOAK_STOCK', 40, positive),
  holdTtlSeconds: setting('SOAK_HOLD_TTL_SECONDS', 30, positive),
  graceSeconds: setting('SOAK_GRACE_SECONDS', 90, count),
  lostAnswerRate: setting('SOAK_LOST_ANSWER_RATE', 0.05, rate),
  progressSeconds: setting('SOAK_PROGRESS_SECONDS', 10, positive),
};

const log = (line: string) => console.log(`[soak] ${line}`);

runSoak(settings, log).then(
  (report) => {
    for (const line of summaryLines(report)) console.log(line);
    process.exit(violationsOf(report).length ? 1 : 0);
  },
  (error: unknown) => {
    console.error('[soak] failed:', error);
    process.exit(1);
  },
);
