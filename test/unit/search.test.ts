import {
  indexTerms,
  MAX_QUERY_TERMS,
  MAX_TERM_LENGTH,
  normalize,
  queryTerms,
  rank,
  rankProducts,
  searchQuerySchema,
  tokenize,
  type IndexHit,
} from '../../functions/domain/search';

describe('tokenizer', () => {
  it('lowercases, strips accents and splits on punctuation', () => {
    expect(normalize('Crème-Brûlée, SÜẞ!')).toBe('creme brulee suß');
    expect(tokenize("Men's T-Shirt (XL) — Café")).toEqual(['men', 'shirt', 'xl', 'cafe']);
  });

  it('drops one-character words and repeats, and cuts long words', () => {
    expect(tokenize('a b cd cd e')).toEqual(['cd']);
    expect(tokenize('x'.repeat(50))).toEqual(['x'.repeat(MAX_TERM_LENGTH)]);
  });

  it('keeps digits and non-Latin letters', () => {
    expect(tokenize('Mug 350ml 東京')).toEqual(['mug', '350ml', '東京']);
  });
});

describe('index terms', () => {
  it('weighs name over tags over description, and sums fields', () => {
    const terms = indexTerms({ name: 'Coffee Mug', description: 'A mug for coffee lovers', tags: ['kitchen', 'coffee'] });
    expect(Object.fromEntries(terms)).toEqual({ coffee: 4 + 2 + 1, mug: 4 + 1, kitchen: 2, lovers: 1 });
  });

  it('drops common words from descriptions only', () => {
    const terms = indexTerms({ name: 'The Book', description: 'the best of the year', tags: [] });
    expect(terms.get('the')).toBe(4);
    expect(terms.has('of')).toBe(false);
    expect(terms.get('best')).toBe(1);
  });
});

describe('ranking', () => {
  const hit = (queryTerm: string, term: string, productId: string, weight: number): IndexHit => ({ queryTerm, term, productId, weight });

  it('ranks a name hit above a tag hit above a description hit', () => {
    const ranked = rank([hit('mug', 'mug', 'desc', 1), hit('mug', 'mug', 'name', 4), hit('mug', 'mug', 'tag', 2)]);
    expect(ranked.map((r) => r.productId)).toEqual(['name', 'tag', 'desc']);
  });

  it('ranks an exact term above a prefix match in the same field', () => {
    const ranked = rank([hit('shirt', 'shirts', 'prefix', 4), hit('shirt', 'shirt', 'exact', 4)]);
    expect(ranked.map((r) => r.productId)).toEqual(['exact', 'prefix']);
  });

  it('ranks more matched query terms first, even over stronger single hits', () => {
    const ranked = rank([hit('blue', 'blue', 'one', 7), hit('mug', 'mug', 'one', 7), hit('blue', 'blue', 'both', 1), hit('mug', 'mug', 'both', 1), hit('mug', 'mug', 'strong', 7)]);
    expect(ranked.map((r) => [r.productId, r.matched])).toEqual([['one', 2], ['both', 2], ['strong', 1]]);
  });

  it('counts one query term once per product, by its best match', () => {
    const [only] = rank([hit('sh', 'shirt', 'p', 4), hit('sh', 'shoe', 'p', 4), hit('sh', 'sh', 'p', 1)]);
    expect(only).toEqual({ productId: 'p', matched: 1, score: 4 });
  });

  it('ignores hits whose term does not start with the query term', () => {
    expect(rank([hit('mug', 'mag', 'p', 4)])).toEqual([]);
  });

  it('breaks ties newest first (ids sort by time)', () => {
    expect(rank([hit('mug', 'mug', 'prd_a', 4), hit('mug', 'mug', 'prd_b', 4)]).map((r) => r.productId)).toEqual(['prd_b', 'prd_a']);
  });

  it('re-ranks candidates by their current text and drops those that no longer match', () => {
    const products = [
      { id: 'renamed', name: 'Teapot', description: '', tags: [] },
      { id: 'desc', name: 'Cup', description: 'pairs with a mug', tags: [] },
      { id: 'name', name: 'Mug', description: '', tags: [] },
    ];
    expect(rankProducts(products, ['mug']).map((p) => [p.id, p.score])).toEqual([['name', 8], ['desc', 2]]);
  });
});

describe('search query', () => {
  it('turns q into distinct terms and defaults the limit', () => {
    expect(searchQuerySchema.parse({ q: 'Blue  blue MUG' })).toEqual({ q: ['blue', 'mug'], limit: 20 });
    expect(queryTerms(Array.from({ length: 12 }, (_, i) => `term${i}`).join(' '))).toHaveLength(MAX_QUERY_TERMS);
  });

  it.each([{}, { q: '' }, { q: '   ' }, { q: 'a' }, { q: '!!' }, { q: 'mug', limit: '0' }, { q: 'mug', limit: '51' }])('refuses %p', (query) => {
    expect(searchQuerySchema.safeParse(query).success).toBe(false);
  });
});
