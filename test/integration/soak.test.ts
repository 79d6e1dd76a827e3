/**
 * The short form of `npm run soak` (bin/soak.ts): the same scenario and the same checks
 * (bin/support/soak/), shorter and with fewer customers, still with a SIGKILL of the whole stack
 * and a restart on the same data, a Stripe server failing a fifth of its calls and transient
 * DynamoDB errors. Its assertions are invariants, which hold whatever the timing was.
 */
import { runSoak, summaryLines, type SoakReport } from '../../bin/support/soak';

/** 20 s of traffic on top of two stack starts, a settling phase and, after a crash, redeliveries (60 s). */
const TEST_TIMEOUT_MS = 300_000;

describe('soak (short form)', () => {
  let report: SoakReport;

  beforeAll(async () => {
    report = await runSoak(
      {
        seconds: 20,
        customers: 5,
        kills: 1,
        stripeFailureRate: 0.2,
        dynamoFaultRate: 0.05,
        skus: 4,
        stockPerSku: 15,
        holdTtlSeconds: 15,
        graceSeconds: 15,
        lostAnswerRate: 0.2,
        progressSeconds: 10,
      },
      (line) => process.env.STACK_LOGS && console.log(`[soak] ${line}`),
    );
    console.log(summaryLines(report).join('\n'));
  }, TEST_TIMEOUT_MS);

  it('ran what it claims: orders under a crash, lost answers, Stripe faults and DynamoDB faults', () => {
    expect(report.kills).toHaveLength(1);
    expect(report.end.orders).toBeGreaterThan(0);
    expect(report.stats.retries.connection).toBeGreaterThan(0); // customers kept going through the crash
    expect(report.stats.retries['lost answer']).toBeGreaterThan(0);
    expect(Object.values(report.dynamoFaultsInjected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it.each([
    'orders match checkouts',
    'payment matches status',
    'every charge has an order',
    'stock',
    'no message lost',
    'a way out for every order',
    'answers a correct client gets',
  ])('holds: %s', (name) => {
    const check = report.end.checks.find((c) => c.name === name);
    expect(check?.violations).toEqual([]);
  });
});
