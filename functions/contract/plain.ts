/**
 * The request side of the platform routes that validate no body, query or path, apart from
 * their entries in platform.ts: those hold zod response schemas, and these handlers import no
 * zod otherwise (GET /health bundles ~50 KB: no schemas, no SDK). A route
 * without request schemas and without these options passes nothing to `routeSpec` (GET /me,
 * GET /cart); test/unit/contract.test.ts checks that every handler agrees with its entry.
 */
export const PLAIN_REQUESTS = {
  /** Stripe redelivers by event id, and the consumer handles each id once: no Idempotency-Key. */
  'stripe-webhook': { idempotency: 'none' },
  openapi: { cacheSeconds: 300 },
  'get-config': { cacheSeconds: 60 },
} as const;
