/**
 * Memory per function, declared once: the CDK stack sizes each function from it
 * (lib/constructs/service-functions.ts), the local runtime reports it in the Lambda context, and
 * `npm run cost` bills compute at it. A tenant's `lambdaMemoryMb` (lib/settings.ts), when set,
 * overrides it for every function.
 *
 * Why these sizes: Lambda gives CPU in proportion to memory (one vCPU at 1,769 MB) and bills
 * compute by memory × duration. A function that spends its time waiting on DynamoDB, SQS or Step
 * Functions gets no faster with more memory, only dearer: those get 256 MB. Below that, module
 * initialisation (100–180 ms on one full core, `npm run bench:cold`) would stretch past a second
 * on a cold start. The functions that bundle the Stripe SDK initialise slowest (122–183 ms) and
 * spend the most CPU per invocation (signing, JSON of Stripe's answers): 512 MB keeps their cold
 * start near half a second; they are 2% of the mix or rarer, so their size barely shows in the bill.
 *
 * Measured (2026-12-02, 2-core machine shared with other work, so read the CPU as an upper
 * bound): at 1 VU, the mean duration and the CPU the stack's process spent during each invocation.
 * Reproduce: `BENCH_VUS=1 npm run bench && npm run cost` prints both per function beside the size
 * declared here.
 */

/** A function's size and the measurement behind it. */
export interface FunctionMemory {
  readonly mb: number;
  readonly measured: string;
}

const STRIPE_BUNDLE: FunctionMemory = { mb: 512, measured: 'bundles Stripe: init 122–183 ms on one core (bench:cold)' };

/** The functions that differ from {@link DEFAULT_MEMORY}. */
export const FUNCTION_MEMORY: Readonly<Record<string, FunctionMemory>> = {
  'api/checkout': { mb: 512, measured: '1 VU: 439 ms, CPU ≤ 65 ms; init 152 ms (Stripe)' },
  'workflow/pay': { mb: 512, measured: '1 VU: 1,939 ms, CPU ≤ 288 ms, two Stripe calls; init 162 ms' },
  'queue/process-stripe-webhooks': { mb: 512, measured: '1 VU: 1,344 ms, CPU ≤ 207 ms; init 174 ms (Stripe)' },
  'queue/reconcile-payments': STRIPE_BUNDLE,
  'api/cancel-order': STRIPE_BUNDLE,
  'api/refund-order': STRIPE_BUNDLE,
  'api/fulfill-order': STRIPE_BUNDLE,
  'api/mark-order-delivered': STRIPE_BUNDLE,
  'workflow/cancel-payment': STRIPE_BUNDLE,
  'workflow/refund-payment': STRIPE_BUNDLE,
  'api/create-payment-method': STRIPE_BUNDLE,
  'api/list-payment-methods': STRIPE_BUNDLE,
  'api/delete-payment-method': STRIPE_BUNDLE,
};

/**
 * Every function not listed: it waits on the store and queues. E.g. at 1 VU: api/get-product
 * 36 ms, CPU ≤ 6 ms; api/add-cart-item 307 ms, CPU ≤ 48 ms (four store round trips, one a transaction);
 * api/search-products 167 ms, CPU ≤ 19 ms; queue/stock-stream 150 ms, CPU ≤ 22 ms.
 */
export const DEFAULT_MEMORY: FunctionMemory = { mb: 256, measured: 'waits on the store: see above' };

/** The memory of the function whose module (under functions/) is `module`, unless `override` sets every function's. */
export function memoryOf(module: string, override?: number): number {
  return override ?? (FUNCTION_MEMORY[module] ?? DEFAULT_MEMORY).mb;
}
