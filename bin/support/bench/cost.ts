/**
 * `npm run cost`: the monthly AWS bill of a merchant with 100,000 orders a month at the paper's
 * mix (2% of requests are checkouts, so 5 million requests), projected from a bench run's own
 * counters (bench.json): the mix's counters scale by requests, the lifecycle orders' (PAID →
 * COMPLETED) and the workflow histories' by orders, the scheduled jobs by their rate. Printed
 * beside the paper's Table 2. An estimate from one local run, not a bill.
 */
import { QUEUE_CONSUMERS, SCHEDULED_JOBS, STREAM_CONSUMERS } from '../../../lib/consumers';
import { FUNCTION_LOGGING, PLATFORM_LOG_BYTES } from '../../../lib/function-logging';
import { memoryOf } from '../../../lib/function-memory';
import { resolveSettings } from '../../../lib/settings';
import { AWS_LATENCY_MS } from './aws-model';
import type { BenchResult } from './index';
import { emptyCounters, mergeCounters, type Counters, type FunctionCounters } from './counters';
import { fmt, mean, sum, table } from './stats';
import { MIX } from './workload';

const meanOrZero = (values: readonly number[]) => (values.length ? mean(values) : 0);

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
/**
 * Lambda polls each shard of a table stream four times a second and invokes with what it found,
 * or, with a batching window, with what the window gathered (Lambda developer guide, "Polling
 * and batching streams"): the interval between a shard's invocations is the larger of the two.
 */
const STREAM_POLL_SECONDS = 0.25;
const STREAM_MAPPINGS = new Map(
  STREAM_CONSUMERS.map((c) => [c.handler, { batchSize: c.batchSize ?? 100, intervalSeconds: Math.max(STREAM_POLL_SECONDS, c.batchingWindowSeconds ?? 0) }]),
);
const QUEUE_HANDLERS = new Set(QUEUE_CONSUMERS.map((c) => c.handler));
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

/** One function's month on AWS: what it is billed for compute, and the local figures behind it. */
export interface FunctionMonth {
  readonly fn: string;
  /** What the local stack invoked, scaled to the month. */
  readonly localInvocations: number;
  /** What AWS would invoke: batch consumers by their records (see awsInvocations). */
  readonly invocations: number;
  readonly memoryMb: number;
  /** Billed ms per invocation on AWS: the 1-VU duration plus each Stripe call at its AWS latency. */
  readonly ms: number;
  /** Where `ms` came from: '1 VU', 'lifecycle' (one order at a time) or 'all VUs' (seen only under load). */
  readonly msFrom: string;
  /** The same at the mean over every VU level, as the model billed before (queueing in DynamoDB Local included). */
  readonly msAllLevels: number;
  readonly cpuMs: number;
  readonly gbSeconds: number;
}

export interface Cost {
  readonly lines: CostLine[];
  /** Per function, what its Lambda lines are made of. */
  readonly functions: FunctionMonth[];
  /** The month's write units by function, operation and where they were spent ('table' or an index). */
  readonly wruBy: Record<string, number>;
}

/** The bill's lines, and what the Lambda and DynamoDB write lines are made of. */
export function projectCost(bench: BenchResult): Cost {
  const override = resolveSettings(process.env.TENANT ?? 'dev').lambdaMemoryMb;
  const scheduled = new Set(SCHEDULED_JOBS.map((job) => job.handler));
  const perRequest = MONTHLY_REQUESTS / bench.mix.requests;
  const perOrder = bench.lifecycle.orders ? MONTHLY_ORDERS / bench.lifecycle.orders : 0;
  // Every invocation, a month's worth: the mix's and the lifecycle's scaled, the schedules' at their rate.
  const monthly: [string, FunctionCounters][] = [
    ...scaled(bench.mix.counters, perRequest, (fn) => !scheduled.has(fn)),
    ...scaled(bench.lifecycle.counters, perOrder, (fn) => !scheduled.has(fn)),
    ...SCHEDULED_JOBS.map((job): [string, FunctionCounters] => {
      const seen = bench.mix.counters[job.handler];
      const runs = MONTH_SECONDS / Number(process.env[job.intervalSetting] ?? job.defaultIntervalSeconds);
      return [job.handler, seen?.invocations ? scale(seen, runs / seen.invocations) : scale({ ...emptyCounters(), invocations: 1, billedMs: 1 }, runs)];
    }),
  ];
  const byFunction = new Map<string, FunctionCounters>();
  for (const [fn, c] of monthly) byFunction.set(fn, mergeCounters(byFunction.get(fn), c));
  const functions = [...byFunction].map(([fn, c]) => functionMonth(bench, fn, c, memoryOf(fn, override)));

  const total = (pick: (c: FunctionCounters) => number) => sum([...byFunction.values()].map(pick));
  const apiRequests = sum(functions.filter((f) => f.fn.startsWith('api/')).map((f) => f.invocations));
  const invocations = sum(functions.map((f) => f.invocations));
  const gbSeconds = sum(functions.map((f) => f.gbSeconds));
  const gbSecondsAllLevels = sum(functions.map((f) => (f.invocations * f.msAllLevels * f.memoryMb) / 1024 / 1000));
  const rru = total((c) => c.rru);
  const wru = total((c) => c.wru + c.refusedWrites);
  const wruBy: Record<string, number> = {};
  for (const [fn, c] of byFunction) {
    for (const [where, units] of Object.entries(c.wruBy)) wruBy[`${fn} ${where}`] = units;
    if (c.refusedWrites) wruBy[`${fn} refused writes`] = c.refusedWrites;
  }
  const transitions = meanOrZero(bench.lifecycle.transitions) * MONTHLY_ORDERS;
  const sqsMessages = total((c) => (c.calls['sqs SendMessage'] ?? 0) + (c.calls['sqs SendMessageBatch'] ?? 0)) + meanOrZero(bench.lifecycle.sqsTasks) * MONTHLY_ORDERS;
  const logGb = (bench.mix.logBytes * perRequest + invocations * PLATFORM_LOG_BYTES) / 1e9;
  const sizes = [...new Set(functions.map((f) => f.memoryMb))].sort((a, b) => a - b).join('/');
  const lines: CostLine[] = [
    { item: 'API Gateway HTTP API', quantity: apiRequests, unit: 'requests', usd: (apiRequests / 1e6) * PRICES.apiGatewayHttpPerMillion, basis: 'counted: API invocations' },
    { item: 'Lambda requests', quantity: invocations, unit: 'invocations', usd: (invocations / 1e6) * PRICES.lambdaPerMillionRequests, basis: 'counted; stream/SQS batches as AWS forms them' },
    {
      item: `Lambda compute (${sizes} MB, arm64)`,
      quantity: gbSeconds,
      unit: 'GB-s',
      usd: gbSeconds * PRICES.lambdaArmPerGbSecond,
      basis: `1-VU durations at each function's memory (all VU levels: $${(gbSecondsAllLevels * PRICES.lambdaArmPerGbSecond).toFixed(2)})`,
    },
    { item: 'DynamoDB reads (on-demand)', quantity: rru, unit: 'RRU', usd: (rru / 1e6) * PRICES.dynamodbPerMillionRru, basis: 'ConsumedCapacity' },
    { item: 'DynamoDB writes (on-demand, with GSIs)', quantity: wru, unit: 'WRU', usd: (wru / 1e6) * PRICES.dynamodbPerMillionWru, basis: 'ConsumedCapacity, +1 per refused write' },
    { item: 'DynamoDB Streams reads', quantity: 0, unit: 'read requests', usd: 0, basis: 'free for Lambda triggers' },
    { item: 'Step Functions Standard', quantity: transitions, unit: 'transitions', usd: (transitions / 1000) * PRICES.stepFunctionsPerThousandTransitions, basis: bench.lifecycle.orders ? `histories of ${bench.lifecycle.orders} orders` : 'no order completed: not counted' },
    { item: 'SQS', quantity: sqsMessages * SQS_REQUESTS_PER_MESSAGE, unit: 'requests', usd: ((sqsMessages * SQS_REQUESTS_PER_MESSAGE) / 1e6) * PRICES.sqsPerMillionRequests, basis: 'counted sends × 3 (send, receive, delete)' },
    { item: 'CloudWatch Logs ingestion', quantity: logGb, unit: 'GB', usd: logGb * PRICES.logsPerGbIngested, basis: `counted JSON log bytes + ${PLATFORM_LOG_BYTES} B per AWS invocation (system logs at ${FUNCTION_LOGGING.systemLogLevelV2})` },
    { item: 'Secrets Manager', quantity: SECRETS, unit: 'secrets', usd: SECRETS * PRICES.secretPerMonth, basis: 'fixed' },
  ];
  return { lines, functions, wruBy };
}

function functionMonth(bench: BenchResult, fn: string, c: FunctionCounters, memoryMb: number): FunctionMonth {
  const invocations = awsInvocations(fn, c);
  const { ms, from, cpuMs, recordsPerInvocation } = representativeMs(bench, fn, c);
  const stripeMs = (sum(Object.entries(c.calls).filter(([name]) => name.startsWith('stripe ')).map(([, n]) => n)) / c.invocations) * AWS_LATENCY_MS.stripe;
  // A batch consumer's time grows with its batch: per record as measured, times AWS's batch.
  const batch = c.records && recordsPerInvocation ? c.records / invocations / recordsPerInvocation : 1;
  const awsMs = ms * batch + stripeMs;
  return {
    fn,
    localInvocations: c.invocations,
    invocations,
    memoryMb,
    ms: awsMs,
    msFrom: from,
    msAllLevels: (c.billedMs / c.invocations) * (c.records ? c.invocations / invocations : 1) + stripeMs, // per local invocation, times AWS's batch
    cpuMs,
    gbSeconds: (invocations * awsMs * memoryMb) / 1024 / 1000,
  };
}

/**
 * What AWS would invoke. The local pollers see the stack at 30–160 requests a second, and the
 * batches they form say nothing of a month's average rate (about 2 requests a second).
 * A stream consumer: at λ records a second on a shard invoked at most every T s, an interval
 * holds a record with probability 1 − e^(−λT), so the month has (month / T)(1 − e^(−λT))
 * invocations, at least records / batch size; on one shard, the fewest (records spread over more
 * shards form smaller batches). An SQS consumer (no batching window): each message alone at this
 * rate. Every other function: as counted.
 */
function awsInvocations(fn: string, c: FunctionCounters): number {
  const stream = STREAM_MAPPINGS.get(fn);
  const records = c.records || c.invocations; // a bench.json from before records were counted
  if (stream) {
    const intervals = MONTH_SECONDS / stream.intervalSeconds;
    const withRecords = intervals * (1 - Math.exp(-(records / MONTH_SECONDS) * stream.intervalSeconds));
    return Math.max(records / stream.batchSize, Math.min(records, withRecords));
  }
  return QUEUE_HANDLERS.has(fn) ? records : c.invocations;
}

/**
 * The duration that stands for AWS: the 1-VU step's mean, where DynamoDB Local queues least (at
 * 16 and 64 VUs a cart add's time is mostly waiting for the engine's CPU, not work AWS would bill);
 * else the lifecycle's (one order at a time); else the mean over every level.
 */
function representativeMs(bench: BenchResult, fn: string, all: FunctionCounters): { ms: number; from: string; cpuMs: number; recordsPerInvocation: number } {
  const candidates: [string, FunctionCounters | undefined][] = [
    ['1 VU', bench.steps.find((step) => step.vus === 1)?.counters?.[fn]],
    ['lifecycle', bench.lifecycle.counters[fn]],
    ['all VUs', all],
  ];
  const [from, c] = candidates.find(([, c]) => c?.invocations) as [string, FunctionCounters];
  return { ms: c.billedMs / c.invocations, from, cpuMs: (c.cpuMs ?? 0) / c.invocations, recordsPerInvocation: (c.records ?? 0) / c.invocations };
}

function scaled(counters: Counters, factor: number, keep: (fn: string) => boolean): [string, FunctionCounters][] {
  return Object.entries(counters).filter(([fn]) => keep(fn)).map(([fn, c]) => [fn, scale(c, factor)]);
}

function scale(c: FunctionCounters, factor: number): FunctionCounters {
  return {
    invocations: c.invocations * factor,
    billedMs: c.billedMs * factor,
    cpuMs: (c.cpuMs ?? 0) * factor,
    records: (c.records ?? 0) * factor,
    rru: c.rru * factor,
    wru: c.wru * factor,
    refusedWrites: c.refusedWrites * factor,
    wruBy: Object.fromEntries(Object.entries(c.wruBy ?? {}).map(([name, n]) => [name, n * factor])),
    calls: Object.fromEntries(Object.entries(c.calls).map(([name, n]) => [name, n * factor])),
  };
}

/** How many rows of each breakdown to print: the rest are pennies. */
const BREAKDOWN_ROWS = 14;

export function costLines(bench: BenchResult, cost: Cost): string[] {
  const quantity = (n: number) => (n >= 1000 ? Math.round(n).toLocaleString('en-US') : fmt(n, 2));
  const { lines } = cost;
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
    `Per order: ${fmt(mean(bench.lifecycle.transitions))} state transitions. Left out: Stripe fees, data transfer, storage and PITR (GB-months), alarms and dashboards, X-Ray, the SQS event-source pollers' empty receives.`,
    '',
    '=== Lambda, per function (memory: lib/function-memory.ts; ms: the 1-VU mean, + 300 ms per Stripe call) ===',
    ...table(
      ['function', 'local inv.', 'AWS inv.', 'MB', 'ms', 'from', 'ms all VUs', 'CPU ms ≤', 'GB-s', 'USD'],
      [...cost.functions].sort((a, b) => b.gbSeconds - a.gbSeconds).slice(0, BREAKDOWN_ROWS).map((f) => [
        f.fn, quantity(f.localInvocations), quantity(f.invocations), String(f.memoryMb), fmt(f.ms), f.msFrom, fmt(f.msAllLevels), fmt(f.cpuMs), quantity(f.gbSeconds),
        `$${(f.gbSeconds * PRICES.lambdaArmPerGbSecond + (f.invocations / 1e6) * PRICES.lambdaPerMillionRequests).toFixed(2)}`,
      ]),
    ),
    '  AWS inv.: stream consumers by the batches one shard forms at the month\'s rate (polled 4×/s, or each batching window: lib/consumers.ts), SQS consumers one message each;',
    '  ms of a batch consumer: per record as measured × AWS\'s batch; CPU: what the stack\'s process spent during the invocation (an upper bound).',
    '',
    '=== DynamoDB writes, by function, operation and where the units went ===',
    ...table(
      ['function and write', 'WRU per month', 'USD'],
      Object.entries(cost.wruBy).sort((a, b) => b[1] - a[1]).slice(0, BREAKDOWN_ROWS).map(([what, units]) => [what, quantity(units), `$${((units / 1e6) * PRICES.dynamodbPerMillionWru).toFixed(2)}`]),
    ),
    '',
    'Durations are the local stack\'s on a shared machine; DynamoDB Local is slower than DynamoDB, so they overstate I/O-bound handlers. An estimate, not a bill.',
  ];
}
