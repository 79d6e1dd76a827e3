import { sweepExpiredHolds } from '../adapters/dynamodb/hold-expiry';
import { logger } from '../shared/logger';
import { observedHandler } from '../shared/observability';

/**
 * Scheduled (SWEEP_INTERVAL_SECONDS): releases every expired hold, so its units are back within
 * one interval — correctness never waits for TTL deletion, which can lag by days. Each release
 * is conditional on the hold's revision and expiry, so racing a customer, the stream consumer or
 * another sweep releases nothing twice.
 */
export const handler = observedHandler(async () => {
  const { found, released } = await sweepExpiredHolds(new Date());
  if (found > 0) logger.info('Swept expired holds', { found, released });
  return { found, released };
});
