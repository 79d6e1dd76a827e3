/**
 * The paper's workload over HTTP: 70% product reads, 20% cart updates, 8% searches and 2%
 * checkouts, drawn at random by each virtual user, closed loop with no think time. Each user is
 * one customer with its own token; public reads go without one, as a storefront sends them.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiClient } from '../api';
import { SHIPPING } from '../orders';

type Api = ReturnType<typeof apiClient>;

export const OPERATIONS = ['product read', 'cart update', 'search', 'checkout'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The paper's mix, as shares of requests. */
export const MIX: Readonly<Record<Operation, number>> = { 'product read': 0.7, 'cart update': 0.2, search: 0.08, checkout: 0.02 };

/** The function (module under functions/) that serves each operation. */
export const FUNCTION_OF: Readonly<Record<Operation, string>> = {
  'product read': 'api/get-product',
  'cart update': 'api/add-cart-item',
  search: 'api/search-products',
  checkout: 'api/checkout',
};

const WORDS = ['linen', 'wool', 'cotton', 'denim', 'canvas', 'leather'];
const ITEMS = ['shirt', 'jacket', 'scarf', 'bag', 'cap', 'apron', 'tote', 'vest'];
const STOCK_PER_SKU = 1_000_000;

export interface Catalog {
  readonly productIds: string[];
  readonly skus: string[];
  readonly queries: string[];
}

export interface StepSamples {
  /** Latency (ms) of each answer with the expected status, by operation. */
  readonly ms: Record<Operation, number[]>;
  /** Other answers and failed requests, by operation and `status code`. */
  readonly errors: Record<Operation, Record<string, number>>;
  /** Accepted checkouts: the order and its owner's token, for the PAID check. */
  readonly orders: { id: string; token: string }[];
  requests: number;
  wallSeconds: number;
}

/** `count` products of one variant each, with stock enough never to run out; waits until search finds them. */
export async function createCatalog(api: Api, count: number): Promise<Catalog> {
  const admin = await api.adminToken();
  const run = randomUUID().slice(0, 6).toUpperCase();
  const productIds: string[] = [];
  const skus: string[] = [];
  for (let i = 0; i < count; i++) {
    const sku = `BENCH-${run}-${i}`;
    const name = `${WORDS[i % WORDS.length]} ${ITEMS[i % ITEMS.length]} ${i}`;
    const created = await api.post('/admin/products', {
      token: admin,
      body: {
        name,
        description: `A ${name} for the bench, in ${WORDS[(i + 1) % WORDS.length]}`,
        tags: ['bench', ITEMS[i % ITEMS.length]],
        images: [],
        variants: [{ sku, name: 'One size', options: {}, price: { amount: 1000 + 100 * i, currency: 'USD' } }],
      },
    });
    if (created.status !== 201) throw new Error(`POST /admin/products answered ${created.status}: ${JSON.stringify(created.body)}`);
    const stocked = await api.put(`/admin/inventory/${sku}`, { token: admin, body: { total: STOCK_PER_SKU } });
    if (stocked.status !== 200) throw new Error(`PUT /admin/inventory answered ${stocked.status}: ${JSON.stringify(stocked.body)}`);
    productIds.push(created.body.id);
    skus.push(sku);
  }
  const queries = [...WORDS, ...ITEMS];
  await untilSearchFinds(api, ITEMS[0]!);
  return { productIds, skus, queries };
}

async function untilSearchFinds(api: Api, query: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const res = await api.get(`/search?q=${query}`);
    if (res.status === 200 && res.body.items?.length) return;
    await sleep(200);
  }
  throw new Error(`search found no '${query}' 30 s after the catalog was written`);
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

function draw(): Operation {
  let r = Math.random();
  for (const op of OPERATIONS) {
    r -= MIX[op];
    if (r < 0) return op;
  }
  return 'product read';
}

export const emptySamples = (): StepSamples => ({
  ms: Object.fromEntries(OPERATIONS.map((op) => [op, []])) as unknown as StepSamples['ms'],
  errors: Object.fromEntries(OPERATIONS.map((op) => [op, {}])) as unknown as StepSamples['errors'],
  orders: [],
  requests: 0,
  wallSeconds: 0,
});

/** `vus` users drive the mix for `seconds`; `onTick` sees the samples so far (the progress bar). */
export async function runMix(api: Api, catalog: Catalog, vus: number, seconds: number, onTick: (s: StepSamples, elapsed: number, done: boolean) => void): Promise<StepSamples> {
  const samples = emptySamples();
  const tokens = await Promise.all(Array.from({ length: vus }, () => api.customerToken()));
  // Each user starts with one line in its cart, so its first checkout has something to buy.
  await Promise.all(tokens.map((token) => addToCart(api, catalog, token)));
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const ticker = setInterval(() => onTick(samples, (Date.now() - started) / 1000, false), 250);
  try {
    await Promise.all(tokens.map((token) => virtualUser(api, catalog, token, deadline, samples)));
  } finally {
    clearInterval(ticker);
  }
  samples.wallSeconds = (Date.now() - started) / 1000;
  onTick(samples, samples.wallSeconds, true);
  return samples;
}

async function virtualUser(api: Api, catalog: Catalog, token: string, deadline: number, samples: StepSamples): Promise<void> {
  let cartLines = 1;
  while (Date.now() < deadline) {
    // A checkout needs a cart: with an empty one (rare at this mix), the user adds a line instead.
    const drawn = draw();
    const op = drawn === 'checkout' && cartLines === 0 ? 'cart update' : drawn;
    const started = performance.now();
    let outcome: string | undefined;
    try {
      outcome = await perform(api, catalog, token, op, samples);
    } catch (error) {
      outcome = (error as Error).name;
    }
    samples.requests++;
    if (outcome === undefined) {
      samples.ms[op].push(performance.now() - started);
      if (op === 'cart update') cartLines++;
      if (op === 'checkout') cartLines = 0;
    } else {
      samples.errors[op][outcome] = (samples.errors[op][outcome] ?? 0) + 1;
    }
  }
}

/** One request of the mix; undefined when answered as expected, else what came back. */
async function perform(api: Api, catalog: Catalog, token: string, op: Operation, samples: StepSamples): Promise<string | undefined> {
  switch (op) {
    case 'product read':
      return expect(await api.get(`/products/${pick(catalog.productIds)}`), [200]);
    case 'search':
      return expect(await api.get(`/search?q=${pick(catalog.queries)}&limit=10`), [200]);
    case 'cart update':
      return expect(await addToCart(api, catalog, token), [200, 201]);
    case 'checkout': {
      const res = await api.post('/checkout', {
        token,
        body: { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING },
        headers: { 'idempotency-key': randomUUID() },
      });
      if (res.status === 202) samples.orders.push({ id: res.body.id, token });
      return expect(res, [202]);
    }
  }
}

function addToCart(api: Api, catalog: Catalog, token: string) {
  return api.post('/cart/items', { token, body: { sku: pick(catalog.skus), quantity: 1 }, headers: { 'idempotency-key': randomUUID() } });
}

function expect(res: { status: number; body: any }, statuses: number[]): string | undefined {
  return statuses.includes(res.status) ? undefined : `${res.status} ${res.body?.error?.code ?? ''}`.trim();
}
