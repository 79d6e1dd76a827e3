/**
 * The bench's settings, from the environment, checked once. Every command prints figures and
 * never fails on them; these only say how long and how hard to drive the stack.
 */
import { join } from 'node:path';

export interface BenchSettings {
  /** Virtual users per step (BENCH_VUS, default 1,16,64): closed loop, no think time. */
  readonly vus: readonly number[];
  /** Seconds of the mix per step (BENCH_SECONDS, default 20). */
  readonly seconds: number;
  /** Seconds of floor replay per step, at the step's VUs (BENCH_FLOOR_SECONDS, default half a step). */
  readonly floorSeconds: number;
  /** Products in the catalog, one SKU each (BENCH_PRODUCTS, default 24). */
  readonly products: number;
  /** Orders taken on to COMPLETED after the run, for the workflow's share of the cost (BENCH_LIFECYCLE_ORDERS, default 5). */
  readonly lifecycleOrders: number;
  /** Where bench.json and bench.html go (BENCH_OUT, default .bench/). */
  readonly outDir: string;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');

export function positiveInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${raw}`);
  return value;
}

export function benchSettings(): BenchSettings {
  const vus = (process.env.BENCH_VUS || '1,16,64').split(',').map((v) => Number(v.trim()));
  if (!vus.length || vus.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`BENCH_VUS must list positive integers, got ${process.env.BENCH_VUS}`);
  const seconds = positiveInt('BENCH_SECONDS', 20);
  return {
    vus,
    seconds,
    floorSeconds: positiveInt('BENCH_FLOOR_SECONDS', Math.max(1, Math.round(seconds / 2))),
    products: positiveInt('BENCH_PRODUCTS', 24),
    lifecycleOrders: positiveInt('BENCH_LIFECYCLE_ORDERS', 5, 0),
    outDir: outDir(),
  };
}

/** BENCH_OUT, default `.bench/` in the repository. */
export const outDir = () => process.env.BENCH_OUT || join(ROOT, '.bench');
