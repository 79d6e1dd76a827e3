import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { recordLedgerEntries, registerStockedSku, stockImageOf, type SequencedEntry } from '../adapters/dynamodb/stock-ledger-repository';
import { ledgerEntryOf } from '../domain/stock-ledger';

/**
 * Table-stream consumer: one ledger entry per change of a stock record, from its old and new
 * images (the deltas) and the movement the update stamped on it (kind and cause). Deriving it
 * from the stream means no path that moves stock can skip it; keying it by the stream record's
 * sequence number means a replayed batch only rewrites the same entries. The batch's entries go
 * in one BatchWriteItem per 25, so a failure retries the whole batch, which rewrites nothing new.
 */
export async function handler(event: DynamoDBStreamEvent): Promise<void> {
  const entries: SequencedEntry[] = [];
  for (const record of event.Records) {
    const entry = await movementOf(record);
    if (entry) entries.push(entry);
  }
  await recordLedgerEntries(entries);
}

async function movementOf(record: DynamoDBRecord): Promise<SequencedEntry | undefined> {
  const before = stockImageOf(record.dynamodb?.OldImage);
  const after = stockImageOf(record.dynamodb?.NewImage);
  const sku = after?.sku ?? before?.sku;
  if (!sku) return undefined;
  // First sight of the record (created, or stamped for the first time): the auditor walks these.
  if (after && !before?.stamp) await registerStockedSku(sku);
  const entry = ledgerEntryOf(sku, before, after, streamTime(record));
  return entry && { entry, sequence: record.dynamodb!.SequenceNumber! };
}

/** The stream record's time (seconds on the record), for a write that set no updatedAt. */
function streamTime(record: DynamoDBRecord): string {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return new Date(seconds ? seconds * 1000 : Date.now()).toISOString();
}
