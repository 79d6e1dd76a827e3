/**
 * The public catalog reads (product, product list, search) through a read-through cache in the
 * function's memory: the role Memcache plays in the Crowdstart paper. An entry lives
 * CATALOG_CACHE_SECONDS (a few seconds), so what it serves is at most that stale, as a CDN copy
 * of the same answer (Cache-Control max-age) would be. Nothing depends on it for correctness:
 * a cart add and a checkout read the catalog and the stock from the table, never from here.
 * A hit makes no store call; concurrent misses of one key share one load.
 */
import { getProduct, getProducts, listProducts } from '../adapters/dynamodb/product-repository';
import { findHits } from '../adapters/dynamodb/search-index';
import type { ListProductsQuery, Product } from '../domain/catalog';
import type { Page } from '../domain/page';
import { rank, rankProducts } from '../domain/search';
import { env } from '../shared/env';

/** Index candidates re-checked against the current products, beyond `limit`, for drops. */
const SEARCH_SLACK = 10;
/** Entries kept at most; the oldest goes first. Small: a few thousand products' pages. */
const MAX_ENTRIES = 1_000;

/**
 * A map of promises with a time to live and a size bound. Hand-written: lru-cache and
 * toad-cache are only transitive dependencies here, and this is all the cache there is.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { readonly expires: number; readonly value: Promise<T> }>();

  constructor(
    private readonly ttlMs: () => number,
    private readonly maxEntries = MAX_ENTRIES,
    private readonly now = Date.now,
  ) {}

  /** The live entry of `key`, else what `load` gives (kept for the TTL unless it fails). */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const ttl = this.ttlMs();
    if (ttl <= 0) return load();
    const at = this.now();
    const entry = this.entries.get(key);
    if (entry && entry.expires > at) return entry.value;
    this.entries.delete(key);
    const value = load();
    this.entries.set(key, { expires: at + ttl, value });
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

const cache = new TtlCache<unknown>(() => env.catalogCacheSeconds * 1000);
const cached = <T>(key: string, load: () => Promise<T>) => cache.get(key, load) as Promise<T>;

/** GET /products/{id}: one product with per-variant availability; 404 when unknown. */
export function readProduct(productId: string): Promise<Product> {
  return cached(`product:${productId}`, () => getProduct(productId));
}

/** GET /products: one page of the catalog, newest first. */
export function readCatalogPage(query: ListProductsQuery): Promise<Page<Product>> {
  return cached(`list:${query.limit}:${query.cursor ? `${query.cursor.createdAt}#${query.cursor.id}` : ''}`, () => listProducts(query));
}

/**
 * GET /search: term and prefix search over name, tags and description, ranked by query-term
 * coverage, then field weight and match quality (functions/domain/search.ts).
 */
export function searchCatalog(terms: readonly string[], limit: number): Promise<Page<Product>> {
  return cached(`search:${limit}:${terms.join(' ')}`, async () => {
    const candidates = rank(await findHits(terms)).slice(0, limit * 2 + SEARCH_SLACK);
    const products = await getProducts(candidates.map((c) => c.productId));
    return { items: rankProducts(products, terms).slice(0, limit), nextCursor: null };
  });
}
