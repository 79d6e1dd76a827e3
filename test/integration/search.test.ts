import { setTimeout as sleep } from 'node:timers/promises';
import { apiClient, unique } from '../../bin/support/api';

const api = apiClient();

/** A made-up word no other product (seeded or from another test) contains. */
const nonsense = () => `zq${unique('w').replace(/[^A-Z0-9]/g, '').toLowerCase()}`;

function productBody(fields: { name: string; description?: string; tags?: string[] }) {
  const sku = unique('SRCH');
  return {
    description: '',
    tags: [],
    images: [],
    ...fields,
    variants: [{ sku, name: 'Only', options: {}, price: { amount: 1000, currency: 'USD' } }],
  };
}

async function search(q: string, limit = 20) {
  const res = await api.get(`/search?q=${encodeURIComponent(q)}&limit=${limit}`);
  expect(res.status).toBe(200);
  return res.body.items as { id: string; name: string; score: number; variants: unknown[] }[];
}

/** Polls the search until `done` holds (the index follows the table stream) or 3 s pass. */
async function eventually<T>(query: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const value = await query();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(150);
  }
}

const ids = (items: { id: string }[]) => items.map((i) => i.id);

describe('GET /search', () => {
  it('finds a new product by a word of its name and by a prefix within ~2 s', async () => {
    const word = nonsense();
    const created = await api.post('/admin/products', { token: await api.adminToken(), body: productBody({ name: `Ceramic ${word} Bowl` }) });
    const started = Date.now();

    const byWord = await eventually(() => search(word), (items) => ids(items).includes(created.body.id));
    const elapsed = Date.now() - started;
    const byPrefix = await search(word.slice(0, 6));
    const byAccentedCase = await search(`BÔWL ${word.toUpperCase()}`);

    expect(ids(byWord)).toEqual([created.body.id]);
    expect(elapsed).toBeLessThan(2500);
    expect(byWord[0]).toMatchObject({ name: `Ceramic ${word} Bowl`, variants: [expect.objectContaining({ available: 0 })], score: expect.any(Number) });
    expect(ids(byPrefix)).toContain(created.body.id);
    expect(ids(byAccentedCase)[0]).toBe(created.body.id);
  });

  it('ranks a name match above a tag match above a description-only match', async () => {
    const word = nonsense();
    const token = await api.adminToken();
    const inDescription = await api.post('/admin/products', { token, body: productBody({ name: 'Plain Jar', description: `Pairs well with ${word}.` }) });
    const inTags = await api.post('/admin/products', { token, body: productBody({ name: 'Plain Lid', tags: [word] }) });
    const inName = await api.post('/admin/products', { token, body: productBody({ name: `The ${word}` }) });

    const items = await eventually(() => search(word), (found) => found.length === 3);

    expect(ids(items)).toEqual([inName.body.id, inTags.body.id, inDescription.body.id]);
  });

  it('ranks products matching more query terms first', async () => {
    const [a, b] = [nonsense(), nonsense()];
    const token = await api.adminToken();
    const onlyA = await api.post('/admin/products', { token, body: productBody({ name: `${a} Special` }) });
    const both = await api.post('/admin/products', { token, body: productBody({ name: 'Ordinary', description: `${a} and ${b}` }) });

    const items = await eventually(() => search(`${a} ${b}`), (found) => found.length === 2);

    expect(ids(items)).toEqual([both.body.id, onlyA.body.id]);
  });

  it('stops finding a product after a rename and after a delete', async () => {
    const [before, after] = [nonsense(), nonsense()];
    const token = await api.adminToken();
    const created = await api.post('/admin/products', { token, body: productBody({ name: `Lamp ${before}` }) });
    await eventually(() => search(before), (items) => items.length === 1);

    await api.put(`/admin/products/${created.body.id}`, { token, body: { ...productBody({ name: `Lamp ${after}` }), version: 1 } });
    const underOld = await search(before);
    const underNew = await eventually(() => search(after), (items) => items.length === 1);
    await api.delete(`/admin/products/${created.body.id}`, { token });
    const afterDelete = await search(after);

    expect(underOld).toEqual([]);
    expect(ids(underNew)).toEqual([created.body.id]);
    expect(afterDelete).toEqual([]);
  });

  it('searches the seeded store', async () => {
    const items = await search('mug', 10);
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(items.slice(0, 3).every((p) => /mug/i.test(p.name))).toBe(true);
  });

  it('honours the limit and sets caching headers', async () => {
    const res = await api.get('/search?q=shirt&limit=2');
    expect(res.body.items.length).toBeLessThanOrEqual(2);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect((await api.get('/search?q=shirt&limit=2', { headers: { 'if-none-match': res.headers.get('etag')! } })).status).toBe(304);
  });

  it.each(['', 'q=', 'q=%20%20', 'q=a', 'q=mug&limit=0', 'q=mug&limit=51'])('answers ?%s with 400 VALIDATION_FAILED', async (query) => {
    const res = await api.get(`/search?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});
