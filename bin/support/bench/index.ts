/**
 * `npm run bench` as one function, which bin/bench.ts and the suite's short form
 * (test/integration/bench.test.ts) both call: a stack of its own, a catalog, then per VU count
 * the paper's mix over HTTP, the stack's CPU, the floor replay at the same concurrency; then the
 * PAID check of every accepted checkout, a few orders taken on to COMPLETED for the workflow's
 * counters, the round trips and the AWS model. It prints figures and never fails on them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SCHEDULED_JOBS } from '../../../lib/consumers';
import { apiClient } from '../api';
import { executionArnOf, executionHistory, sfnClient, whenNotBusy } from '../orders';
import { modelledMs } from './aws-model';
import { chartHtml } from './chart';
import { addRecording, type Counters } from './counters';
import { prepareFloor, runFloor } from './floor';
import { reportLines } from './report';
import type { BenchSettings } from './settings';
import { startBenchStack, type BenchStack, type CpuSeconds } from './stack';
import { percentiles, type Percentiles } from './stats';
import { shapesOf, tripsOf, type FunctionTrips, type InvocationShape } from './trips';
import { createCatalog, FUNCTION_OF, OPERATIONS, runMix, type Operation, type StepSamples } from './workload';

type Api = ReturnType<typeof apiClient>;

export interface StepResult {
  readonly vus: number;
  readonly seconds: number;
  readonly requests: number;
  readonly throughput: number;
  readonly cpuCores: number;
  /** CPU milliseconds the stack spent per request, and the DynamoDB Local JVM's part of them. */
  readonly cpuMsPerRequest: { total: number; jvm: number };
  readonly operations: Record<Operation, Percentiles & { errors: Record<string, number> }>;
  readonly floor: Record<Operation, Percentiles>;
  readonly floorCalls: number;
  readonly floorRefused: number;
  /** This step's own counters: at 1 VU the durations least inflated by queueing (what `npm run cost` bills). */
  readonly counters: Counters;
}

export interface BenchResult {
  readonly startedAt: string;
  readonly machine: { cores: number; loadAverage: string[] };
  /** The stack's CPU, in cores, over `seconds` left alone once its pollers went idle after the start; the target is under 0.02. */
  readonly idle: { seconds: number; cores: number; jvmCores: number };
  readonly settings: BenchSettings;
  readonly steps: StepResult[];
  readonly trips: Record<Operation, FunctionTrips & { modelledMs: number }>;
  readonly checkouts: { accepted: number; paid: number; others: Record<string, number> };
  /** The mix's own counters: every invocation its requests (each user's first cart line included) caused, up to each order's PAID. */
  readonly mix: { requests: number; seconds: number; logBytes: number; counters: Counters };
  /** Orders taken on from PAID to COMPLETED (fulfillment, delivery): their counters and workflow histories. */
  readonly lifecycle: { orders: number; transitions: number[]; sqsTasks: number[]; counters: Counters };
}

export interface BenchFiles {
  readonly json: string;
  readonly html: string;
}

const PAID_OR_LATER = ['PAID', 'FULFILLED', 'COMPLETED'];

export async function runBench(settings: BenchSettings, print: (line: string) => void, progress: (line: string, done: boolean) => void): Promise<{ result: BenchResult; files: BenchFiles }> {
  const startedAt = new Date().toISOString();
  const machine = { cores: availableParallelism(), loadAverage: loadavg().map((n) => n.toFixed(2)) };
  print(`starting a local stack (call recorder on, throttle off) …`);
  const stack = await startBenchStack();
  try {
    print(`stack at ${stack.url}; its idle CPU over ${IDLE_SECONDS} s, ${IDLE_SETTLE_SECONDS} s after the start …`);
    const idle = await idleCpu(stack);
    const api = apiClient(stack.url, stack.process.dataDir);
    print(`creating ${settings.products} products …`);
    const catalog = await createCatalog(api, settings.products);
    await prepareFloor(stack.dynamodb);
    await drainUntilQuiet(stack, {}); // the catalog's set-up (and its stream records) is not part of the mix

    const steps: StepResult[] = [];
    const shapes: InvocationShape[] = [];
    const counters: Counters = {};
    const orders: StepSamples['orders'] = [];
    let requests = 0;
    const mixStarted = Date.now();
    const logsBefore = stack.logBytes();
    for (const vus of settings.vus) {
      const cpuBefore = stack.cpuSeconds();
      const samples = await runMix(api, catalog, vus, settings.seconds, (s, elapsed, done) =>
        progress(progressLine(vus, elapsed, settings.seconds, s), done),
      );
      const cpuAfter = stack.cpuSeconds();
      const cpu = { total: cpuAfter.total - cpuBefore.total, jvm: cpuAfter.jvm - cpuBefore.jvm };
      const recording = await stack.drain();
      addRecording(counters, recording);
      const stepCounters = addRecording({}, recording);
      const stepShapes = shapesOf(recording, new Set(Object.values(FUNCTION_OF)));
      shapes.push(...stepShapes);
      print(`${vus} VU: replaying the store calls behind each operation for ${settings.floorSeconds} s …`);
      const floor = await runFloor(stack.dynamodb, stepShapes, vus, settings.floorSeconds);
      orders.push(...samples.orders);
      requests += samples.requests + vus; // each user's first cart line, before the clock starts
      steps.push(stepResult(vus, samples, cpu, floor, stepCounters));
    }
    print(`checking that the ${orders.length} accepted checkouts reach PAID …`);
    const checkouts = await checkPaid(api, orders);
    await drainUntilQuiet(stack, counters);
    const mix = { requests, seconds: (Date.now() - mixStarted) / 1000, logBytes: stack.logBytes() - logsBefore, counters };
    const lifecycle = await completeSomeOrders(api, stack, orders, checkouts.paidIds, settings.lifecycleOrders, print);

    const trips = Object.fromEntries(
      OPERATIONS.map((op) => {
        const mine = shapes.filter((s) => s.function === FUNCTION_OF[op]);
        return [op, { ...tripsOf(mine, FUNCTION_OF[op]), modelledMs: modelledMs(mine) }];
      }),
    ) as BenchResult['trips'];
    const result: BenchResult = {
      startedAt,
      machine,
      idle,
      settings,
      steps,
      trips,
      checkouts: { accepted: checkouts.accepted, paid: checkouts.paidIds.length, others: checkouts.others },
      mix,
      lifecycle,
    };
    for (const line of reportLines(result)) print(line);
    const files = writeResult(settings.outDir, result);
    print(`wrote ${files.json} and ${files.html}`);
    return { result, files };
  } finally {
    await stack.dispose();
  }
}

function stepResult(vus: number, samples: StepSamples, cpu: CpuSeconds, floor: Awaited<ReturnType<typeof runFloor>>, counters: Counters): StepResult {
  return {
    vus,
    seconds: samples.wallSeconds,
    requests: samples.requests,
    throughput: OPERATIONS.reduce((n, op) => n + samples.ms[op].length, 0) / samples.wallSeconds,
    cpuCores: cpu.total / samples.wallSeconds,
    cpuMsPerRequest: { total: (cpu.total * 1000) / samples.requests, jvm: (cpu.jvm * 1000) / samples.requests },
    operations: Object.fromEntries(OPERATIONS.map((op) => [op, { ...percentiles(samples.ms[op]), errors: samples.errors[op] }])) as StepResult['operations'],
    floor: Object.fromEntries(OPERATIONS.map((op) => [op, percentiles(floor.ms[op])])) as StepResult['floor'],
    floorCalls: floor.calls,
    floorRefused: floor.refused,
    counters,
  };
}

/**
 * The queue pollers stop long-polling 10 s after the last activity and the stream reader backs
 * off within a few seconds (lib/local/queues.ts, event-sources.ts): the idle figure starts after that.
 */
const IDLE_SETTLE_SECONDS = 11;
const IDLE_SECONDS = 10;

async function idleCpu(stack: BenchStack): Promise<BenchResult['idle']> {
  await sleep(IDLE_SETTLE_SECONDS * 1000);
  const before = stack.cpuSeconds();
  const started = Date.now();
  await sleep(IDLE_SECONDS * 1000);
  const after = stack.cpuSeconds();
  const seconds = (Date.now() - started) / 1000;
  return { seconds, cores: (after.total - before.total) / seconds, jvmCores: (after.jvm - before.jvm) / seconds };
}

function progressLine(vus: number, elapsed: number, seconds: number, s: StepSamples): string {
  const width = 30;
  const filled = Math.min(width, Math.round((elapsed / seconds) * width));
  const errors = Object.values(s.errors).reduce((n, byWhat) => n + Object.values(byWhat).reduce((a, b) => a + b, 0), 0);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.min(elapsed, seconds).toFixed(0).padStart(3)}/${seconds} s  ${String(vus).padStart(3)} VUs  ${s.requests} requests  ${(s.requests / Math.max(elapsed, 0.001)).toFixed(0)} req/s  errors ${errors}`;
}

/** Polls every accepted order (8 at a time) until it leaves PENDING, for at most 60 s in all. */
async function checkPaid(api: Api, orders: StepSamples['orders']) {
  const deadline = Date.now() + 60_000;
  const paidIds: string[] = [];
  const others: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < orders.length) {
      const order = orders[next++]!;
      let status = 'unknown';
      for (;;) {
        const res = await api.get(`/orders/${order.id}`, { token: order.token });
        if (res.status === 200) status = res.body.status;
        if (PAID_OR_LATER.includes(status) || (status !== 'PENDING' && status !== 'unknown') || Date.now() > deadline) break;
        await sleep(200);
      }
      if (PAID_OR_LATER.includes(status)) paidIds.push(order.id);
      else others[status] = (others[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { accepted: orders.length, paidIds, others };
}

/** Longer than the local stream poller's idle interval (2 s, lib/local/event-sources.ts). */
const QUIET_MS = 3_000;
const QUIET_AT_MOST_MS = 120_000;
const SCHEDULED = new Set(SCHEDULED_JOBS.map((job) => job.handler));

/**
 * Counts into `counters` what the consumers still do after the requests stopped, until a window
 * passes with no invocation but the scheduled jobs'. A 64-VU step leaves the stream consumers
 * batches behind; drained after a fixed second, that backlog fell into the lifecycle's counters,
 * which the cost scales per order (20,000× for 5 orders, the mix's 800× per request).
 */
async function drainUntilQuiet(stack: BenchStack, counters: Counters): Promise<void> {
  const deadline = Date.now() + QUIET_AT_MOST_MS;
  for (;;) {
    await sleep(QUIET_MS);
    const recording = await stack.drain();
    addRecording(counters, recording);
    if (!recording.invocations.some((inv) => !SCHEDULED.has(inv.function)) || Date.now() > deadline) return;
  }
}

/** Ships and delivers `count` paid orders, counting what that costs and reading their workflow histories. */
async function completeSomeOrders(api: Api, stack: BenchStack, orders: StepSamples['orders'], paidIds: string[], count: number, print: (line: string) => void): Promise<BenchResult['lifecycle']> {
  const chosen = orders.filter((o) => paidIds.includes(o.id)).slice(0, count);
  const counters: Counters = {};
  if (!chosen.length) return { orders: 0, transitions: [], sqsTasks: [], counters };
  print(`taking ${chosen.length} orders on to COMPLETED (fulfillment, delivery) for the workflow's counters …`);
  await stack.drain();
  const admin = await api.adminToken();
  const completed: typeof chosen = [];
  for (const [i, order] of chosen.entries()) {
    try {
      await adminStep(api, admin, order, 'fulfillment', { carrier: 'DHL', trackingNumber: `JD0146${String(i).padStart(14, '0')}` }, 'FULFILLED');
      await adminStep(api, admin, order, 'delivered', undefined, 'COMPLETED');
      completed.push(order);
    } catch (error) {
      print(`  left out of the lifecycle counters: ${(error as Error).message}`);
    }
  }
  await drainUntilQuiet(stack, counters);
  const sfn = sfnClient(stack.process.engines.sfn);
  const histories = await Promise.all(completed.map((o) => executionHistory(sfn, executionArnOf(o.id))));
  return {
    orders: completed.length,
    transitions: histories.map((events) => events.filter((e) => e.type?.endsWith('StateEntered')).length),
    sqsTasks: histories.map((events) => events.filter((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails?.resourceType === 'sqs').length),
    counters,
  };
}

async function adminStep(api: Api, admin: string, order: { id: string; token: string }, action: string, body: unknown, status: string) {
  const res = await whenNotBusy(() => api.post(`/admin/orders/${order.id}/${action}`, { token: admin, body }), 30_000);
  if (res.status >= 300) throw new Error(`POST /admin/orders/${order.id}/${action} answered ${res.status}: ${JSON.stringify(res.body)}`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const view = await api.get(`/orders/${order.id}`, { token: order.token });
    if (view.body?.status === status) return;
    await sleep(200);
  }
  throw new Error(`order ${order.id} did not reach ${status}`);
}

function writeResult(outDir: string, result: BenchResult): BenchFiles {
  mkdirSync(outDir, { recursive: true });
  const files = { json: join(outDir, 'bench.json'), html: join(outDir, 'bench.html') };
  writeFileSync(files.json, JSON.stringify(result, null, 2));
  writeFileSync(files.html, chartHtml(result));
  return files;
}
