/**
 * `npm run cost`: the monthly AWS bill of a merchant with 100,000 orders a month at the paper's
 * mix (2% of requests are checkouts, so 5 million requests), projected from a bench run's own
 * counters (bench.json): the mix's counters scale by requests, the lifecycle orders' (PAID →
 * COMPLETED) and the workflow histories' by orders, the scheduled jobs by their rate. Printed
 * beside the paper's Table 2. An estimate from one local run, not a bill.
 */
import { SCHEDULED_JOBS } from '../../../lib/consumers';
import { resolveSettings } from '../../../lib/settings';
import type { BenchResult } from './index';
import type { Counters, FunctionCounters } from './counters';
import { fmt, mean, sum, table } from './stats';

const meanOrZero = (values: readonly number[]) => (values.length ? mean(values) : 0);
import { MIX } from './workload';

/** Public list prices, us-east-1, no free tier; as published on each service's pricing page in 2025-06. */
export const PRICES = {
  date: '2025-06',
  // aws.amazon.com/api-gateway/pricing: HTTP APIs, first 300 million requests a month.
  apiGatewayHttpPerMillion: 1.0,
  // aws.amazon.com/lambda/pricing: Arm, first 7.5 billion GB-s a month.
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  // aws.amazon.com/dynamodb/pricing/on-demand (after the November 2024 cut).
  dynamodbPerMillionWru: 0.625,
  dynamodbPerMillionRru: 0.125,
  // aws.amazon.com/step-functions/pricing: Standard workflows.
  stepFunctionsPerThousandTransitions: 0.025,
  // aws.amazon.com/sqs/pricing: standard queues, per 64 KB request.
  sqsPerMillionRequests: 0.4,
  // aws.amazon.com/cloudwatch/pricing: Logs, standard ingestion.
  logsPerGbIngested: 0.5,
  // aws.amazon.com/secrets-manager/pricing.
  secretPerMonth: 0.4,
} as const;

/** The paper's Table 2: the monthly bill of the same workload on its platform. */
export const PAPER_TABLE_2_TOTAL = 258;

export const MONTHLY_ORDERS = 100_000;
export const MONTHLY_REQUESTS = MONTHLY_ORDERS / MIX.checkout;
const MONTH_SECONDS = 30 * 24 * 3600;
/** START, END and REPORT lines Lambda writes per invocation, about. */
const PLATFORM_LOG_BYTES = 350;
/** Stripe secret and webhook signing secret (lib/settings.ts). */
const SECRETS = 2;
/** A message costs a send, a receive and a delete (event-source mappings receive in batches; one each at low volume). */
const SQS_REQUESTS_PER_MESSAGE = 3;

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
  readonly basis: string;
}

export function projectCost(bench: BenchResult): CostLine[] {
  const memoryGb = resolveSettings(process.env.TENANT ?? 'dev').lambdaMemoryMb / 1024;
  const scheduled = new Set(SCHEDULED_JOBS.map((job) => job.handler));
  const perRequest = MONTHLY_REQUESTS / bench.mix.requests;
  const perOrder = bench.lifecycle.orders ? MONTHLY_ORDERS / bench.lifecycle.orders : 0;
  // Every invocation, a month's worth: the mix's and the lifecycle's scaled, the schedules' at their rate.
  const monthly: FunctionCounters[] = [
    ...scaled(bench.mix.counters, perRequest, (fn) => !scheduled.has(fn)),
    ...scaled(bench.lifecycle.counters, perOrder, (fn) => !scheduled.has(fn)),
    ...SCHEDULED_JOBS.map((job) => {
      const seen = bench.mix.counters[job.handler];
      const runs = MONTH_SECONDS / Number(process.env[job.intervalSetting] ?? job.defaultIntervalSeconds);
      return seen?.invocations ? scale(seen, runs / seen.invocations) : scale({ invocations: 1, billedMs: 1, rru: 0, wru: 0, refusedWrites: 0, calls: {} }, runs);
    }),
  ];
  const total = (pick: (c: FunctionCounters) => number) => sum(monthly.map(pick));
  const apiRequests = sum(
    [...scaled(bench.mix.counters, perRequest, (fn) => fn.startsWith('api/')), ...scaled(bench.lifecycle.counters, perOrder, (fn) => fn.startsWith('api/'))].map((c) => c.invocations),
  );
  const invocations = total((c) => c.invocations);
  const gbSeconds = (total((c) => c.billedMs) / 1000) * memoryGb;
  const rru = total((c) => c.rru);
  const wru = total((c) => c.wru + c.refusedWrites);
  const transitions = meanOrZero(bench.lifecycle.transitions) * MONTHLY_ORDERS;
  const sqsMessages = total((c) => (c.calls['sqs SendMessage'] ?? 0) + (c.calls['sqs SendMessageBatch'] ?? 0)) + meanOrZero(bench.lifecycle.sqsTasks) * MONTHLY_ORDERS;
  const logGb = (bench.mix.logBytes * perRequest + invocations * PLATFORM_LOG_BYTES) / 1e9;
  return [
    { item: 'API Gateway HTTP API', quantity: apiRequests, unit: 'requests', usd: (apiRequests / 1e6) * PRICES.apiGatewayHttpPerMillion, basis: 'counted: API invocations' },
    { item: 'Lambda requests', quantity: invocations, unit: 'invocations', usd: (invocations / 1e6) * PRICES.lambdaPerMillionRequests, basis: 'counted: every function' },
    { item: `Lambda compute (${memoryGb * 1024} MB, arm64)`, quantity: gbSeconds, unit: 'GB-s', usd: gbSeconds * PRICES.lambdaArmPerGbSecond, basis: 'measured local durations' },
    { item: 'DynamoDB reads (on-demand)', quantity: rru, unit: 'RRU', usd: (rru / 1e6) * PRICES.dynamodbPerMillionRru, basis: 'ConsumedCapacity' },
    { item: 'DynamoDB writes (on-demand, with GSIs)', quantity: wru, unit: 'WRU', usd: (wru / 1e6) * PRICES.dynamodbPerMillionWru, basis: 'ConsumedCapacity, +1 per refused write' },
    { item: 'DynamoDB Streams reads', quantity: 0, unit: 'read requests', usd: 0, basis: 'free for Lambda triggers' },
    { item: 'Step Functions Standard', quantity: transitions, unit: 'transitions', usd: (transitions / 1000) * PRICES.stepFunctionsPerThousandTransitions, basis: bench.lifecycle.orders ? `histories of ${bench.lifecycle.orders} orders` : 'no order completed: not counted' },
    { item: 'SQS', quantity: sqsMessages * SQS_REQUESTS_PER_MESSAGE, unit: 'requests', usd: ((sqsMessages * SQS_REQUESTS_PER_MESSAGE) / 1e6) * PRICES.sqsPerMillionRequests, basis: 'counted sends × 3 (send, receive, delete)' },
    { item: 'CloudWatch Logs ingestion', quantity: logGb, unit: 'GB', usd: logGb * PRICES.logsPerGbIngested, basis: `counted JSON log bytes + ${PLATFORM_LOG_BYTES} B per invocation` },
    { item: 'Secrets Manager', quantity: SECRETS, unit: 'secrets', usd: SECRETS * PRICES.secretPerMonth, basis: 'fixed' },
  ];
}

function scaled(counters: Counters, factor: number, keep: (fn: string) => boolean): FunctionCounters[] {
  return Object.entries(counters).filter(([fn]) => keep(fn)).map(([, c]) => scale(c, factor));
}

function scale(c: FunctionCounters, factor: number): FunctionCounters {
  return {
    invocations: c.invocations * factor,
    billedMs: c.billedMs * factor,
    rru: c.rru * factor,
    wru: c.wru * factor,
    refusedWrites: c.refusedWrites * factor,
    calls: Object.fromEntries(Object.entries(c.calls).map(([name, n]) => [name, n * factor])),
  };
}

export function costLines(bench: BenchResult, lines: readonly CostLine[]): string[] {
  const quantity = (n: number) => (n >= 1000 ? Math.round(n).toLocaleString('en-US') : fmt(n, 2));
  const totalUsd = sum(lines.map((l) => l.usd));
  return [
    `Projected monthly AWS bill: ${MONTHLY_ORDERS.toLocaleString('en-US')} orders a month at the paper's mix (${MONTHLY_REQUESTS.toLocaleString('en-US')} requests),`,
    `from the bench run of ${bench.startedAt} (${bench.mix.requests} requests, ${bench.checkouts.accepted} checkouts; ${bench.lifecycle.orders} orders taken to COMPLETED).`,
    `Prices: us-east-1 list prices of ${PRICES.date}, no free tier (bin/support/bench/cost.ts).`,
    '',
    ...table(
      ['item', 'per month', 'unit', 'USD', 'basis'],
      lines.map((l) => [l.item, quantity(l.quantity), l.unit, `$${l.usd.toFixed(2)}`, l.basis]),
    ),
    '',
    `TOTAL $${totalUsd.toFixed(2)} a month (≈ $${((totalUsd / MONTHLY_ORDERS) * 1000).toFixed(2)} per 1,000 orders); the paper's Table 2: $${PAPER_TABLE_2_TOTAL}.`,
    `Per order: ${fmt(mean(bench.lifecycle.transitions))} state transitions. Left out: Stripe fees, data transfer, storage and PITR (GB-months), alarms and dashboards, X-Ray.`,
    'Lambda durations are the local stack\'s on a shared machine (an upper bound on AWS for I/O-bound handlers); an estimate, not a bill.',
  ];
}
