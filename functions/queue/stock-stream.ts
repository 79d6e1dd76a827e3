import type { DynamoDBStreamEvent } from 'aws-lambda';
import { handler as recordStockLedger } from './record-stock-ledger';
import { handler as releaseExpiredHolds } from './release-expired-holds';

/**
 * The table-stream consumer of stock: TTL removals of cart holds give their units back
 * (release-expired-holds.ts), then every stock record change in the batch, those releases'
 * included once they come round on the stream, gets its ledger entry (record-stock-ledger.ts).
 * Each part is idempotent per stream record, so a retried batch repeats neither.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<void> => {
  await releaseExpiredHolds(event);
  await recordStockLedger(event);
};
