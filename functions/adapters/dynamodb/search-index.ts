/**
 * The search index in the single table (keys and access patterns: keys.ts, `searchKeys`).
 * One term item per (term, product), and per product a search doc recording the version and the
 * term weights indexed, so that a stream record delivered twice, or late, changes nothing.
 */
import type { QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { indexTerms, type IndexHit, type SearchableProduct } from '../../domain/search';
import { searchKeys } from './keys';
import { batchWrite, entityTag, getItem, isConditionFailure, putItem, query } from './table';

/** Index items read per query term at most: a very short prefix stops there. */
const MAX_HITS_PER_TERM = 2000;
/** A deleted product's search doc outlives any stream replay (24 h retention), then expires. */
const DELETED_DOC_SECONDS = 7 * 24 * 3600;

/** What one product should look like in the index after a stream record. */
export interface IndexUpdate {
  readonly productId: string;
  /** The product version; a removal counts as the version after the last one. */
  readonly version: number;
  /** The product's text, or undefined when the product was deleted. */
  readonly product: SearchableProduct | undefined;
}

interface SearchDoc {
  readonly version: number;
  readonly terms: Record<string, number>;
}

/** Index items whose term starts with one of the query terms, at most MAX_HITS_PER_TERM each. */
export async function findHits(queryTerms: readonly string[]): Promise<IndexHit[]> {
  const perTerm = await Promise.all(queryTerms.map(hitsFor));
  return perTerm.flat();
}

async function hitsFor(queryTerm: string): Promise<IndexHit[]> {
  const hits: IndexHit[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page: QueryCommandOutput = await query(
      { partition: searchKeys.termPartition(queryTerm), sortKey: { beginsWith: queryTerm } },
      {
        ProjectionExpression: '#term, productId, weight',
        ExpressionAttributeNames: { '#term': 'term' },
        ExclusiveStartKey: start,
        Limit: MAX_HITS_PER_TERM - hits.length,
      },
    );
    for (const item of page.Items ?? []) hits.push({ queryTerm, term: item.term, productId: item.productId, weight: item.weight });
    start = page.LastEvaluatedKey;
  } while (start && hits.length < MAX_HITS_PER_TERM);
  return hits;
}

/**
 * Brings one product's term items to `update`: puts new or re-weighted terms, deletes the terms
 * it no longer has, then records the version. A version at or below the recorded one is a
 * replay or a stale record and is skipped; a crash before the doc is written is redone in full.
 */
export async function applyIndexUpdate(update: IndexUpdate): Promise<void> {
  const doc = await readDoc(update.productId);
  if (doc && doc.version >= update.version) return;
  const next = Object.fromEntries(update.product ? indexTerms(update.product) : []);
  const before = doc?.terms ?? {};
  const puts = Object.entries(next).filter(([term, weight]) => before[term] !== weight);
  const deletes = Object.keys(before).filter((term) => !(term in next));
  await batchWrite([
    ...puts.map(([term, weight]) => ({
      PutRequest: { Item: { ...searchKeys.term(term, update.productId), ...entityTag('SEARCH_TERM'), term, productId: update.productId, weight } },
    })),
    ...deletes.map((term) => ({ DeleteRequest: { Key: searchKeys.term(term, update.productId) } })),
  ]);
  await writeDoc(update, next);
}

async function readDoc(productId: string): Promise<SearchDoc | undefined> {
  const { Item } = await getItem({ Key: searchKeys.document(productId), ConsistentRead: true });
  return Item && { version: Item.version, terms: Item.terms ?? {} };
}

async function writeDoc(update: IndexUpdate, terms: Record<string, number>): Promise<void> {
  const deleted = update.product === undefined;
  try {
    await putItem({
      Item: {
        ...searchKeys.document(update.productId),
        ...entityTag('SEARCH_DOC'),
        productId: update.productId,
        version: update.version,
        terms,
        ...(deleted ? { deleted: true, ttl: Math.floor(Date.now() / 1000) + DELETED_DOC_SECONDS } : {}),
      },
      ConditionExpression: 'attribute_not_exists(pk) OR version < :version',
      ExpressionAttributeValues: { ':version': update.version },
    });
  } catch (error) {
    if (!isConditionFailure(error)) throw error; // a newer version was indexed meanwhile: it wins
  }
}
