/**
 * `npm run bench`: latency and cost figures for the local stack. It PRINTS numbers; it never
 * fails on them. It starts its own stack (bin/dev.ts as a child process, exactly as the
 * integration tests do, in a temp DATA_DIR), talks to it over HTTP only, and reads the Step
 * Functions history and the Stripe event log through the engines' own endpoints.
 *
 * Settings: BENCH_REQUESTS (default 200) requests per HTTP scenario, BENCH_ORDERS (default 20)
 * orders through checkout → PAID → FULFILLED → COMPLETED. Only ever targets localhost.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSku } from './support/skus';
import { apiClient } from './support/api';
import {
  customerWithCart,
  executionArnOf,
  executionHistory,
  sfnClient,
  SHIPPING,
  stripeClient,
  whenNotBusy,
  type OrderView,
} from './support/orders';
import { startStackProcess, type StackProcess } from './support/stack-process';

type Api = ReturnType<typeof apiClient>;

const REQUESTS = positiveInt('BENCH_REQUESTS', 200);
const ORDERS = positiveInt('BENCH_ORDERS', 20);
const HTTP_CONCURRENCY = 8;
const ORDER_CONCURRENCY = 4;
const POLL_MS = 50;

// List prices (us-east-1), the assumptions of the cost estimate.
const PRICE = {
  sfnPerTransition: 0.025 / 1000,
  lambdaPerRequest: 0.2 / 1e6,
  lambdaPerGbSecond: 0.0000133334, // arm64
  lambdaMemoryGb: 1, // 1024 MB, lambdaMemoryMb in lib/settings.ts
  dynamoPerWru: 1.25 / 1e6,
  dynamoPerRru: 0.25 / 1e6,
  sqsPerRequest: 0.4 / 1e6,
};

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

const log = (line: string) => console.log(`[bench] ${line}`);

interface Sample {
  readonly ms: number[];
  errors: number;
  readonly statuses: Map<number, number>;
  wallMs: number;
}

const newSample = (): Sample => ({ ms: [], errors: 0, statuses: new Map(), wallMs: 0 });

/** Runs `count` jobs on `concurrency` workers; each job returns its latency in ms, or throws / returns undefined on error. */
async function run(
  count: number,
  concurrency: number,
  job: (i: number, worker: number) => Promise<number | undefined>,
): Promise<Sample> {
  const sample = newSample();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async (_, worker) => {
      while (next < count) {
        const i = next++;
        try {
          const ms = await job(i, worker);
          if (ms === undefined) sample.errors++;
          else sample.ms.push(ms);
        } catch (error) {
          sample.errors++;
          if (sample.errors <= 3) log(`  error: ${(error as Error).message.slice(0, 200)}`);
        }
      }
    }),
  );
  sample.wallMs = performance.now() - started;
  return sample;
}

/** One timed HTTP call; a non-2xx answer counts as an error (its status is tallied). */
async function timed(sample: () => Sample, call: () => Promise<{ status: number }>): Promise<number | undefined> {
  const t0 = performance.now();
  const res = await call();
  const ms = performance.now() - t0;
  const s = sample();
  s.statuses.set(res.status, (s.statuses.get(res.status) ?? 0) + 1);
  return res.status >= 200 && res.status < 300 ? ms : undefined;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summarize(sample: Sample) {
  const sorted = [...sample.ms].sort((a, b) => a - b);
  return {
    count: sorted.length,
    errors: sample.errors,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
    perSecond: sorted.length / (sample.wallMs / 1000),
  };
}

/** Polls GET /orders/{id} every POLL_MS until the order is in `status`; returns when it was first seen. */
async function pollUntil(api: Api, token: string, orderId: string, status: string, timeoutMs = 60_000): Promise<OrderView> {
  const deadline = Date.now() + timeoutMs;
  let last: OrderView | undefined;
  while (Date.now() < deadline) {
    const res = await api.get<OrderView>(`/orders/${orderId}`, { token });
    if (res.status === 200) last = res.body;
    if (last?.status === status) return last;
    if (last && ['CANCELLED', 'PAYMENT_FAILED'].includes(last.status)) break;
    await sleep(POLL_MS);
  }
  throw new Error(`order ${orderId} did not reach ${status}; last seen ${last?.status ?? 'nothing'}`);
}

const historyOf = (sfn: SFNClient, orderId: string) => executionHistory(sfn, executionArnOf(orderId));

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

async function main() {
  log(`BENCH_REQUESTS=${REQUESTS} BENCH_ORDERS=${ORDERS}; starting a local stack (SEED_DEMO=false) …`);
  const t0 = performance.now();
  let stack: StackProcess | undefined;
  try {
    stack = await startStackProcess({ env: { SEED_DEMO: 'false', LOG_REQUESTS: 'false' } });
    if (new URL(stack.url).hostname !== 'localhost') throw new Error(`refusing to benchmark ${stack.url}: not localhost`);
    for (const [name, url] of Object.entries(stack.engines)) {
      if (!['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname)) throw new Error(`engine ${name} at ${url} is not local`);
    }
    log(`stack ready at ${stack.url} in ${fmt((performance.now() - t0) / 1000)} s`);
    await bench(stack);
  } finally {
    if (stack) {
      log('stopping the stack (SIGTERM) …');
      await stack.stop('SIGTERM');
      rmSync(stack.dataDir, { recursive: true, force: true });
    }
  }
}

async function bench(stack: StackProcess) {
  const api = apiClient(stack.url, stack.dataDir);
  const results: [string, Sample][] = [];

  // --- catalog: 24 products (8 with deep stock for the cart scenario) ---------------------------
  log('creating a catalog of 24 products …');
  const skus: string[] = [];
  for (let i = 0; i < 24; i++) skus.push(await createSku(api, i < 8 ? 1_000_000 : 100));
  const cartSkus = skus.slice(0, 8);
  // Each virtual client has its own token: the gateway throttles per client (tenant dev: 50 rps, burst 100).
  const clientTokens = await Promise.all(Array.from({ length: HTTP_CONCURRENCY }, () => api.customerToken()));
  const listed = await api.get('/products?limit=50', { token: clientTokens[0] });
  log(`GET /products lists ${listed.body?.items?.length ?? '?'} products; waiting for the search index …`);
  const deadline = Date.now() + 30_000;
  let hits = 0;
  while (Date.now() < deadline) {
    const res = await api.get('/search?q=fixture', { token: clientTokens[0] });
    hits = res.body?.items?.length ?? 0;
    if (hits >= 20) break;
    await sleep(250);
  }
  log(`search for "fixture" finds ${hits} products`);

  // --- GET /products (warm) ---------------------------------------------------------------------
  log('warming GET /products …');
  await run(HTTP_CONCURRENCY * 3, HTTP_CONCURRENCY, (_, w) => timed(newSample, () => api.get('/products', { token: clientTokens[w] })));
  log(`GET /products × ${REQUESTS}, concurrency ${HTTP_CONCURRENCY} …`);
  const products: Sample = await runHttp(REQUESTS, (w) => api.get('/products', { token: clientTokens[w] }));
  results.push([`GET /products (warm, c=${HTTP_CONCURRENCY})`, products]);

  // --- GET /search ------------------------------------------------------------------------------
  const queries = ['fixture', 'product', 'inventory', 'sku', 'fixture cart'];
  log(`GET /search?q=… × ${REQUESTS}, concurrency ${HTTP_CONCURRENCY} …`);
  const search = await runHttp(REQUESTS, (w, i) =>
    api.get(`/search?q=${encodeURIComponent(queries[i % queries.length]!)}`, { token: clientTokens[w] }),
  );
  results.push([`GET /search?q=… (c=${HTTP_CONCURRENCY})`, search]);

  // --- POST /cart/items, a new customer per request ---------------------------------------------
  log(`POST /cart/items × ${REQUESTS} (distinct customers), concurrency ${HTTP_CONCURRENCY} …`);
  const customers = await Promise.all(Array.from({ length: REQUESTS }, () => api.customerToken()));
  const cart = await runHttp(REQUESTS, (_, i) =>
    api.post('/cart/items', {
      token: customers[i],
      body: { sku: cartSkus[i % cartSkus.length], quantity: 1 },
      headers: { 'idempotency-key': randomUUID() },
    }),
  );
  results.push([`POST /cart/items (c=${HTTP_CONCURRENCY})`, cart]);

  // --- orders: checkout → PAID → FULFILLED → COMPLETED ------------------------------------------
  log(`preparing ${ORDERS} customers with a cart …`);
  const buyers: { token: string; sub: string; orderId?: string }[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const { token } = await customerWithCart(api, { stock: 10, quantity: 2, price: 1500 });
    buyers.push({ token, sub: JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub });
  }
  log(`POST /checkout → PAID × ${ORDERS}, concurrency ${ORDER_CONCURRENCY} …`);
  const checkoutHttp = newSample();
  const paid = await run(ORDERS, ORDER_CONCURRENCY, async (i) => {
    const buyer = buyers[i]!;
    const started = performance.now();
    const ms = await timed(() => checkoutHttp, () =>
      api.post('/checkout', {
        token: buyer.token,
        body: { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING },
        headers: { 'idempotency-key': randomUUID() },
      }).then((res) => {
        if (res.status === 202) buyer.orderId = res.body.id;
        else log(`  checkout answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
        return res;
      }),
    );
    if (ms !== undefined) checkoutHttp.ms.push(ms);
    if (!buyer.orderId) return undefined;
    await pollUntil(api, buyer.token, buyer.orderId, 'PAID');
    return performance.now() - started;
  });
  checkoutHttp.wallMs = paid.wallMs;
  results.push([`POST /checkout (202 only, c=${ORDER_CONCURRENCY})`, checkoutHttp]);
  results.push([`POST /checkout → PAID (c=${ORDER_CONCURRENCY})`, paid]);

  log(`admin fulfillment → FULFILLED × ${ORDERS}, concurrency ${ORDER_CONCURRENCY} …`);
  const adminTokens = await Promise.all(Array.from({ length: ORDER_CONCURRENCY }, () => api.adminToken()));
  let busyRetries = 0;
  const adminHttp = newSample(); // the successful admin POSTs alone (fulfillment and delivered), for the Lambda time estimate
  const withOrders = buyers.filter((b) => b.orderId);
  const fulfilled = await run(withOrders.length, ORDER_CONCURRENCY, async (i, w) => {
    const buyer = withOrders[i]!;
    const started = performance.now();
    const res = await whenNotBusy(async () => {
      const t = performance.now();
      const r = await api.post(`/admin/orders/${buyer.orderId}/fulfillment`, {
        token: adminTokens[w],
        body: { carrier: 'DHL', trackingNumber: `JD0146${String(i).padStart(14, '0')}` },
      });
      if (r.status === 409) busyRetries++;
      return { ...r, ms: performance.now() - t };
    }, 90_000);
    if (res.status < 300) adminHttp.ms.push(res.ms);
    if (res.status >= 300) throw new Error(`fulfillment answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
    await pollUntil(api, buyer.token, buyer.orderId!, 'FULFILLED', 90_000);
    return performance.now() - started;
  });
  results.push([`admin fulfillment → FULFILLED (c=${ORDER_CONCURRENCY})`, fulfilled]);

  log(`admin delivered → COMPLETED × ${withOrders.length} (for the full workflow history) …`);
  const completed = await run(withOrders.length, ORDER_CONCURRENCY, async (i, w) => {
    const buyer = withOrders[i]!;
    const started = performance.now();
    const res = await whenNotBusy(async () => {
      const t = performance.now();
      const r = await api.post(`/admin/orders/${buyer.orderId}/delivered`, { token: adminTokens[w] });
      return { ...r, ms: performance.now() - t };
    }, 30_000);
    if (res.status < 300) adminHttp.ms.push(res.ms);
    if (res.status >= 300) throw new Error(`delivered answered ${res.status}`);
    await pollUntil(api, buyer.token, buyer.orderId!, 'COMPLETED', 60_000);
    return performance.now() - started;
  });
  results.push([`admin delivered → COMPLETED (c=${ORDER_CONCURRENCY})`, completed]);

  // --- counted cost drivers -----------------------------------------------------------------------
  log('reading Step Functions histories and the Stripe event log …');
  const sfn = sfnClient(stack.engines.sfn);
  const transitions: number[] = [];
  const taskInvocations: number[] = [];
  const integrationTasks: number[] = [];
  const taskMs: number[] = [];
  const stateNames = new Map<string, number>();
  for (const buyer of withOrders) {
    const events = await historyOf(sfn, buyer.orderId!);
    const entered = events.filter((e) => e.type?.endsWith('StateEntered'));
    transitions.push(entered.length);
    for (const e of entered) stateNames.set(e.stateEnteredEventDetails!.name!, (stateNames.get(e.stateEnteredEventDetails!.name!) ?? 0) + 1);
    taskInvocations.push(events.filter((e) => e.type === 'LambdaFunctionScheduled').length);
    integrationTasks.push(events.filter((e) => e.type === 'TaskScheduled').length);
    // Lambda task durations: Scheduled → Succeeded/Failed (the wait-for-token tasks excluded, they are not billed as Lambda time).
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const e of events) {
      if (e.type !== 'LambdaFunctionSucceeded' && e.type !== 'LambdaFunctionFailed') continue;
      let cursor = byId.get(e.previousEventId);
      while (cursor && cursor.type !== 'LambdaFunctionScheduled') cursor = byId.get(cursor.previousEventId);
      if (cursor?.timestamp && e.timestamp) taskMs.push(e.timestamp.getTime() - cursor.timestamp.getTime());
    }
  }
  const eventTypes = [...new Set((await historyOf(sfn, withOrders[0]!.orderId!)).map((e) => e.type))];

  let stripeCalls: number[] = [];
  try {
    const stripe = stripeClient(stack.engines.stripe);
    const byOrder = new Map<string, Set<string>>();
    const orderOfCustomer = new Map(withOrders.map((b) => [b.sub, b.orderId!]));
    const orderOfIntent = new Map<string, string>();
    for (const b of withOrders) {
      const view = await api.get<OrderView>(`/orders/${b.orderId}`, { token: b.token });
      if (view.body?.payment?.paymentIntentId) orderOfIntent.set(view.body.payment.paymentIntentId, b.orderId!);
    }
    for await (const event of stripe.events.list({ limit: 100 })) {
      const object = event.data.object as { id?: string; metadata?: Record<string, string>; payment_intent?: string };
      const orderId =
        object.metadata?.orderId ??
        (object.metadata?.customerId && orderOfCustomer.get(object.metadata.customerId)) ??
        (object.id && orderOfIntent.get(object.id)) ??
        (object.payment_intent && orderOfIntent.get(object.payment_intent));
      if (!orderId || !event.request?.id) continue;
      byOrder.set(orderId, (byOrder.get(orderId) ?? new Set()).add(event.request.id));
    }
    stripeCalls = withOrders.map((b) => byOrder.get(b.orderId!)?.size ?? 0);
  } catch (error) {
    log(`could not read the Stripe event log: ${(error as Error).message}`);
  }

  // --- report -------------------------------------------------------------------------------------
  console.log('\n=== Latency (ms, measured from the client over HTTP on localhost) ===');
  const header = ['scenario', 'count', 'err', 'p50', 'p95', 'p99', 'max', 'req/s'];
  const rows = results.map(([name, sample]) => {
    const s = summarize(sample);
    return [name, String(s.count), String(s.errors), fmt(s.p50), fmt(s.p95), fmt(s.p99), fmt(s.max), fmt(s.perSecond)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const [name, sample] of results) {
    const odd = [...sample.statuses].filter(([status]) => status < 200 || status >= 300);
    if (odd.length) console.log(`  ${name}: non-2xx answers ${odd.map(([s, n]) => `${s}×${n}`).join(', ')}`);
  }
  console.log('  "→ STATUS" rows: time from the request until GET /orders/{id} (polled every 50 ms) first shows it;');
  console.log(`  fulfillment includes ${busyRetries} retries on 409 ORDER_BUSY (workflow not yet waiting); req/s = successes / wall time.`);

  const sfnPerOrder = mean(transitions);
  const tasksPerOrder = mean(taskInvocations);
  const stripePerOrder = mean(stripeCalls);
  console.log(`\n=== Per-order cost drivers, COUNTED over ${withOrders.length} completed orders ===`);
  console.log(`Step Functions state transitions (StateEntered events): mean ${fmt(sfnPerOrder)}, min ${Math.min(...transitions)}, max ${Math.max(...transitions)}`);
  console.log(`  states entered: ${[...stateNames].map(([n, c]) => `${n}×${fmt(c / withOrders.length, 1)}`).join(', ')}`);
  console.log(`  history event types: ${eventTypes.join(', ')}`);
  console.log(`Service-integration tasks (TaskScheduled: the wait-for-token steps): mean ${fmt(mean(integrationTasks))}`);
  console.log(`Workflow Lambda task invocations (LambdaFunctionScheduled events): mean ${fmt(tasksPerOrder)}; task time p50 ${fmt(percentile([...taskMs].sort((a, b) => a - b), 50))} ms, mean ${fmt(mean(taskMs))} ms (${taskMs.length} samples)`);
  console.log(
    stripeCalls.length
      ? `Stripe API requests that changed state (distinct request ids in the Stripe event log): mean ${fmt(stripePerOrder)}, min ${Math.min(...stripeCalls)}, max ${Math.max(...stripeCalls)}; read-only calls (retrieve) leave no event and are not counted`
      : 'Stripe API requests: not available',
  );

  // --- estimate -----------------------------------------------------------------------------------
  const apiCalls = 4; // POST /cart/items, POST /checkout, POST fulfillment, POST delivered (client polling excluded)
  const consumerCalls = 10; // ASSUMED: stream consumers ~2 per status change (4 changes) + RecordFulfillmentRequest + ProcessStripeWebhooks
  // Measured HTTP p50s (cart add, checkout, 2 × admin POST) as an upper bound on the API handlers' time.
  const apiMs = summarize(cart).p50 + summarize(checkoutHttp).p50 + 2 * percentile([...adminHttp.ms].sort((a, b) => a - b), 50);
  const taskMsMean = Number.isFinite(mean(taskMs)) ? mean(taskMs) : 100;
  const consumerMs = 50; // ASSUMED per consumer invocation
  const lambdaRequests = apiCalls + tasksPerOrder + consumerCalls;
  const gbSeconds = (PRICE.lambdaMemoryGb * (apiMs + tasksPerOrder * taskMsMean + consumerCalls * consumerMs)) / 1000;
  const wru = 40; // ASSUMED: transactions bill 2 WRU per item: cart hold ~6, checkout ~10, 3 status transitions ~18, idempotency + tokens ~6
  const rru = 20; // ASSUMED: strongly consistent/transactional reads in handlers and tasks
  const sqsRequests = 10; // ASSUMED: Fulfillment send/receive/delete 3 + StripeWebhooks 3 + OrderEvents sends 4 (empty polls excluded)
  const loadAvg = (await import('node:os')).loadavg().map((n) => n.toFixed(2)).join(' ');
  const cost = {
    sfn: sfnPerOrder * PRICE.sfnPerTransition,
    lambdaReq: lambdaRequests * PRICE.lambdaPerRequest,
    lambdaGb: gbSeconds * PRICE.lambdaPerGbSecond,
    dynamo: wru * PRICE.dynamoPerWru + rru * PRICE.dynamoPerRru,
    sqs: sqsRequests * PRICE.sqsPerRequest,
  };
  const total = Object.values(cost).reduce((a, b) => a + b, 0);
  const usd = (n: number) => `$${n.toFixed(7)}`;
  console.log('\n=== ESTIMATED AWS cost per order (an estimate, not a bill) ===');
  console.log('Assumed list prices (us-east-1): Step Functions Standard $0.025 per 1,000 transitions; Lambda arm64 $0.20 per 1M requests');
  console.log('  + $0.0000133334 per GB-s at 1024 MB; DynamoDB on-demand $1.25 per 1M WRU, $0.25 per 1M RRU; SQS $0.40 per 1M requests.');
  console.log(`Step Functions  ${fmt(sfnPerOrder)} transitions (counted)                                  ${usd(cost.sfn)}`);
  console.log(`Lambda requests ${fmt(lambdaRequests)} = ${apiCalls} API + ${fmt(tasksPerOrder)} workflow tasks (counted) + ${consumerCalls} consumers (assumed)  ${usd(cost.lambdaReq)}`);
  console.log(`Lambda compute  ${fmt(gbSeconds, 3)} GB-s = 1 GB × (API p50s ${fmt(apiMs)} ms + tasks ${fmt(tasksPerOrder)} × ${fmt(taskMsMean)} ms measured + consumers ${consumerCalls} × ${consumerMs} ms assumed)  ${usd(cost.lambdaGb)}`);
  console.log(`DynamoDB        ~${wru} WRU + ~${rru} RRU (approximate request count, not measured)             ${usd(cost.dynamo)}`);
  console.log(`SQS             ~${sqsRequests} requests (approximate)                                          ${usd(cost.sqs)}`);
  console.log(`TOTAL (estimate) ${usd(total)} per order ≈ $${(total * 1000).toFixed(3)} per 1,000 orders, before Stripe fees, API Gateway ($1.00/1M HTTP API requests) and data transfer`);
  console.log(`Machine: ${(await import('node:os')).availableParallelism()} cores, load average now ${loadAvg} (other work on the machine inflates every figure).`);
  console.log('Local timings (DynamoDB Local, one machine) are not Lambda durations on AWS; treat GB-s as an order of magnitude.');
}

async function runHttp(count: number, call: (worker: number, i: number) => Promise<{ status: number }>): Promise<Sample> {
  const statuses = new Map<number, number>();
  const holder = { statuses } as Sample;
  const sample = await run(count, HTTP_CONCURRENCY, (i, w) => timed(() => holder, () => call(w, i)));
  for (const [k, v] of statuses) sample.statuses.set(k, v);
  return sample;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('[bench] failed:', error);
    process.exit(1);
  },
);
