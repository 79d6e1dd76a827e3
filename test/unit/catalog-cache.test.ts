import { TtlCache } from '../../functions/application/catalog';

describe('the catalog read-through cache', () => {
  let clock = 0;
  const now = () => clock;
  const loads: string[] = [];
  const loader = (value: string) => async () => {
    loads.push(value);
    return value;
  };

  beforeEach(() => {
    clock = 0;
    loads.length = 0;
  });

  it('serves a hit without loading, and loads again once the entry expired', async () => {
    const cache = new TtlCache<string>(() => 5_000, 10, now);

    const first = await cache.get('p1', loader('v1'));
    clock = 4_999;
    const hit = await cache.get('p1', loader('v2'));
    clock = 5_000;
    const expired = await cache.get('p1', loader('v3'));

    expect([first, hit, expired]).toEqual(['v1', 'v1', 'v3']);
    expect(loads).toEqual(['v1', 'v3']);
  });

  it('shares one load between concurrent misses, and keeps no failure', async () => {
    const cache = new TtlCache<string>(() => 5_000, 10, now);
    const failing = () => Promise.reject(new Error('store down'));

    const both = await Promise.all([cache.get('p1', loader('v1')), cache.get('p1', loader('v2'))]);
    await expect(cache.get('p2', failing)).rejects.toThrow('store down');
    const after = await cache.get('p2', loader('v3'));

    expect(both).toEqual(['v1', 'v1']);
    expect(after).toBe('v3');
    expect(loads).toEqual(['v1', 'v3']);
  });

  it('keeps at most its bound, dropping the oldest entry, and caches nothing with a TTL of 0', async () => {
    const bounded = new TtlCache<string>(() => 5_000, 2, now);
    const off = new TtlCache<string>(() => 0, 2, now);

    for (const key of ['a', 'b', 'c']) await bounded.get(key, loader(key));
    await bounded.get('a', loader('a again'));
    await bounded.get('c', loader('c again'));
    await off.get('x', loader('x1'));
    await off.get('x', loader('x2'));

    expect(loads).toEqual(['a', 'b', 'c', 'a again', 'x1', 'x2']);
  });
});
