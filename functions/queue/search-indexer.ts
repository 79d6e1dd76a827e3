import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { productFromStreamImage } from '../adapters/dynamodb/product-repository';
import { applyIndexUpdate, type IndexUpdate } from '../adapters/dynamodb/search-index';

/** Products indexed at once; each takes a few reads and batch writes. */
const CONCURRENCY = 8;

/**
 * Table-stream consumer: keeps the search index current on product INSERT/MODIFY/REMOVE and
 * ignores every other entity. Only the last record of each product in a batch matters (each
 * update states the whole product), and applying it is idempotent, so a replayed batch is
 * harmless. A failure throws, and the batch is retried from its start.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<void> {
  const latest = new Map<string, IndexUpdate>();
  for (const record of event.Records) {
    const update = toIndexUpdate(record);
    if (update) latest.set(update.productId, update);
  }
  const updates = [...latest.values()];
  for (let start = 0; start < updates.length; start += CONCURRENCY) {
    await Promise.all(updates.slice(start, start + CONCURRENCY).map(applyIndexUpdate));
  }
}

function toIndexUpdate(record: DynamoDBRecord): IndexUpdate | undefined {
  const product = productFromStreamImage(record.dynamodb?.NewImage ?? record.dynamodb?.OldImage);
  if (!product) return undefined;
  if (record.eventName === 'REMOVE') return { productId: product.id, version: product.version + 1, product: undefined };
  const { name, description, tags } = product;
  return { productId: product.id, version: product.version, product: { name, description, tags } };
}
