/**
 * Product search, pure: how text becomes index terms, how a product's terms are weighted, and
 * how candidates rank for a query. The index (adapters/dynamodb/search-index.ts) stores what
 * `indexTerms` returns; the search route ranks with `rank` over those stored weights.
 *
 * Ranking, in order of precedence:
 * 1. coverage: products matching more distinct query terms come first. Terms are OR-ed, not
 *    AND-ed, so a query with one unknown word still finds something; full matches lead anyway.
 * 2. score: per query term, the best matching index term counts field weight × match quality
 *    (field weights name 4 > tags 2 > description 1, summed when a term is in several fields,
 *    so any name hit beats any non-name hit; an exact term counts twice a prefix match).
 * 3. ties: newer products first (ids are time-ordered), for a stable order.
 */
import * as z from '../shared/zod';

/** Terms shorter than this are not indexed nor searched (too unselective). */
export const MIN_TERM_LENGTH = 2;
/** Longer terms are cut, to keep sort keys small; a query term is cut the same way. */
export const MAX_TERM_LENGTH = 32;
/** The distinct query terms considered; more are ignored. */
export const MAX_QUERY_TERMS = 8;

export const FIELD_WEIGHT = { name: 4, tags: 2, description: 1 } as const;
const EXACT = 2;
const PREFIX = 1;

/**
 * Words too common in prose to tell products apart; dropped from descriptions only (a product
 * may well be called "The Book"), so the index stays small and prefix queries stay selective.
 */
const DESCRIPTION_STOP_WORDS = new Set(
  'a an and are as at be but by for from has have in into is it its of on or our so that the this to was we were will with you your'.split(' '),
);

/** Lowercase, accents stripped (é → e, ß kept as letters), punctuation as separators. */
export function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The distinct terms of a text, in order of appearance. */
export function tokenize(text: string): string[] {
  const terms = normalize(text)
    .split(' ')
    .filter((word) => word.length >= MIN_TERM_LENGTH)
    .map((word) => word.slice(0, MAX_TERM_LENGTH));
  return [...new Set(terms)];
}

/** The searchable fields of a product. */
export interface SearchableProduct {
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
}

/** Term → summed field weight: what the index stores, one item per term. */
export function indexTerms(product: SearchableProduct): Map<string, number> {
  const weights = new Map<string, number>();
  const add = (terms: string[], weight: number) => {
    for (const term of terms) weights.set(term, (weights.get(term) ?? 0) | weight);
  };
  add(tokenize(product.name), FIELD_WEIGHT.name);
  add(tokenize(product.tags.join(' ')), FIELD_WEIGHT.tags);
  add(tokenize(product.description).filter((t) => !DESCRIPTION_STOP_WORDS.has(t)), FIELD_WEIGHT.description);
  return weights;
}

/** The distinct terms of a query, at most MAX_QUERY_TERMS. */
export const queryTerms = (q: string) => tokenize(q).slice(0, MAX_QUERY_TERMS);

/** One index item found for a query term (`term` starts with `queryTerm`). */
export interface IndexHit {
  readonly queryTerm: string;
  readonly term: string;
  readonly productId: string;
  readonly weight: number;
}

export interface RankedProduct {
  readonly productId: string;
  /** How many distinct query terms the product matched. */
  readonly matched: number;
  readonly score: number;
}

/** Ranks the products behind the hits (see the module comment for the order). */
export function rank(hits: readonly IndexHit[]): RankedProduct[] {
  const best = new Map<string, Map<string, number>>(); // productId → queryTerm → best points
  for (const hit of hits) {
    if (!hit.term.startsWith(hit.queryTerm)) continue;
    const points = hit.weight * (hit.term === hit.queryTerm ? EXACT : PREFIX);
    const perTerm = best.get(hit.productId) ?? new Map<string, number>();
    perTerm.set(hit.queryTerm, Math.max(perTerm.get(hit.queryTerm) ?? 0, points));
    best.set(hit.productId, perTerm);
  }
  return [...best]
    .map(([productId, perTerm]) => ({ productId, matched: perTerm.size, score: [...perTerm.values()].reduce((a, b) => a + b, 0) }))
    .sort(byRank);
}

/** Sort order of ranked products: coverage, then score, then newest first. */
export function byRank(a: RankedProduct, b: RankedProduct): number {
  return b.matched - a.matched || b.score - a.score || (a.productId < b.productId ? 1 : a.productId > b.productId ? -1 : 0);
}

/** Ranks a product against a query from its current text; undefined when it does not match. */
export function rankProduct(product: SearchableProduct & { id: string }, terms: readonly string[]): RankedProduct | undefined {
  const weights = indexTerms(product);
  const hits = terms.flatMap((queryTerm) =>
    [...weights].filter(([term]) => term.startsWith(queryTerm)).map(([term, weight]) => ({ queryTerm, term, productId: product.id, weight })),
  );
  return rank(hits)[0];
}

/**
 * Orders index candidates by their current text, dropping those that no longer match: the
 * index follows the table through the stream, so a product renamed a moment ago must not show
 * under its old name. Adds each product's `score`.
 */
export function rankProducts<T extends SearchableProduct & { id: string }>(products: readonly T[], terms: readonly string[]): (T & { score: number })[] {
  return products
    .map((product) => ({ product, ranked: rankProduct(product, terms) }))
    .filter((entry): entry is { product: T; ranked: RankedProduct } => entry.ranked !== undefined)
    .sort((a, b) => byRank(a.ranked, b.ranked))
    .map(({ product, ranked }) => ({ ...product, score: ranked.score }));
}

/** GET /search: `q` with at least one term of MIN_TERM_LENGTH characters, `limit` 1..50 (default 20). */
export const searchQuerySchema = z.object({
  q: z
    .pipe(z.string('A search query `q` is required').check(z.maxLength(200, 'At most 200 characters')), z.transform(queryTerms))
    .check(z.refine((terms) => terms.length > 0, `Needs a word of at least ${MIN_TERM_LENGTH} letters or digits`)),
  limit: z._default(
    z.coerce.number('Must be a number').check(z.int('Must be an integer'), z.gte(1, 'At least 1'), z.lte(50, 'At most 50')),
    20,
  ),
});
export type SearchQuery = z.output<typeof searchQuerySchema>;
