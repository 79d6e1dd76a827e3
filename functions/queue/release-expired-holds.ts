import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { holdFromStreamImage, releaseRemovedHold } from '../adapters/dynamodb/cart-repository';
import type { Hold } from '../domain/cart';
import { logger } from '../shared/logger';
import { countBusinessEvent } from '../shared/business-events';
import { observedHandler } from '../shared/observability';

/** The service principal that signs the stream records of TTL deletions. */
const TTL_PRINCIPAL = 'dynamodb.amazonaws.com';

/**
 * Table stream consumer: when DynamoDB's TTL deletes a cart line the sweeper had not reached,
 * returns its units. Only TTL removals count (customer deletes, sweeps and checkout already moved
 * the stock in their own transaction). The release claims a per-hold marker in the same
 * transaction, so a redelivered record releases nothing twice.
 */
export const handler = observedHandler(async (event: DynamoDBStreamEvent) => {
  for (const record of event.Records) {
    const hold = ttlRemovedHold(record);
    if (!hold) continue;
    const released = await releaseRemovedHold(hold);
    logger.info('TTL removed a hold', { holdId: hold.holdId, sku: hold.sku, quantity: hold.quantity, released });
    if (released) countBusinessEvent('holdsExpired');
  }
});

function ttlRemovedHold(record: DynamoDBRecord): Hold | undefined {
  if (record.eventName !== 'REMOVE') return undefined;
  const identity = record.userIdentity as { type?: string; principalId?: string } | undefined;
  if (identity?.type !== 'Service' || identity.principalId !== TTL_PRINCIPAL) return undefined;
  return holdFromStreamImage(record.dynamodb?.OldImage);
}
