import { jest } from '@jest/globals';
import { apiClient } from '../../bin/support/api';

const api = apiClient();
// Calls to Stripe and cold handlers on a busy machine outlast jest's 5 s default.
jest.setTimeout(30_000);

const home = { name: 'Ada Lovelace', line1: '12 St James Sq', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
const office = { name: 'Ada Lovelace', line1: '1 Market St', line2: 'Suite 300', city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'US' };

describe('GET/PUT /me', () => {
  it('creates the profile on first read and keeps its creation time', async () => {
    const token = await api.customerToken();

    const first = await api.get('/me', { token });
    const second = await api.get('/me', { token });

    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: expect.any(String), createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect(second.body).toEqual(first.body);
  });

  it('replaces the editable fields and normalises them', async () => {
    const token = await api.customerToken();
    const before = (await api.get('/me', { token })).body;

    const put = await api.put('/me', { token, body: { email: 'Ada@Example.com', name: 'Ada', phone: '+44 20 7946 0018' } });
    const cleared = await api.put('/me', { token, body: { ...put.body, phone: null } });
    const read = await api.get('/me', { token });

    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: before.id, email: 'ada@example.com', name: 'Ada', phone: '+442079460018', createdAt: before.createdAt });
    expect(put.body.updatedAt > before.updatedAt || put.body.updatedAt === before.updatedAt).toBe(true);
    expect(cleared.status).toBe(200);
    expect(read.body).toEqual({ id: before.id, email: 'ada@example.com', name: 'Ada', createdAt: before.createdAt, updatedAt: cleared.body.updatedAt });
  });

  it('answers invalid profiles with 400 and the offending fields, changing nothing', async () => {
    const token = await api.customerToken();
    await api.put('/me', { token, body: { name: 'Kept' } });

    const res = await api.put('/me', { token, body: { email: 'nope', phone: '123', nickname: 'x' } });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['', 'email', 'phone']);
    expect((await api.get('/me', { token })).body.name).toBe('Kept');
  });

  it('refuses malformed JSON with 400 and requests without a token with 401', async () => {
    const token = await api.customerToken();
    expect((await api.put('/me', { token, rawBody: '{"name":', headers: { 'content-type': 'application/json' } })).body.error.code).toBe('MALFORMED_JSON');
    expect((await api.get('/me')).status).toBe(401);
    expect((await api.put('/me', { body: { name: 'x' } })).status).toBe(401);
  });
});

describe('/me/addresses', () => {
  it('creates an address with 201 and a Location that reads it back', async () => {
    const token = await api.customerToken();

    const res = await api.post('/me/addresses', { token, body: { ...home, country: 'gb' } });

    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^adr_/), ...home, isDefault: true, createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect(res.headers.get('location')).toBe(`/me/addresses/${res.body.id}`);
    const list = await api.get('/me/addresses', { token });
    expect(list.body).toEqual({ items: [res.body], nextCursor: null });
  });

  it('keeps one default: the first address, until another one claims it', async () => {
    const token = await api.customerToken();
    const first = (await api.post('/me/addresses', { token, body: home })).body;
    const second = (await api.post('/me/addresses', { token, body: office })).body;
    expect([first.isDefault, second.isDefault]).toEqual([true, false]);

    const third = (await api.post('/me/addresses', { token, body: { ...office, line1: '2 Market St', isDefault: true } })).body;
    const flags = (await api.get('/me/addresses', { token })).body.items.map((a: { id: string; isDefault: boolean }) => [a.id, a.isDefault]);

    expect(third.isDefault).toBe(true);
    expect(flags).toEqual([[first.id, false], [second.id, false], [third.id, true]]);
    expect((await api.get('/me', { token })).body.defaultAddressId).toBe(third.id);
  });

  it('replaces an address with PUT, dropping omitted optional lines', async () => {
    const token = await api.customerToken();
    const saved = (await api.post('/me/addresses', { token, body: office })).body;

    const { line2: _line2, ...withoutLine2 } = office;
    const res = await api.put(`/me/addresses/${saved.id}`, { token, body: { ...withoutLine2, city: 'Oakland', postalCode: '94607' } });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...withoutLine2, id: saved.id, city: 'Oakland', postalCode: '94607', isDefault: true, createdAt: saved.createdAt, updatedAt: expect.any(String) });
    expect((await api.get('/me/addresses', { token })).body.items).toEqual([res.body]);
  });

  it('moves or clears the default flag through PUT', async () => {
    const token = await api.customerToken();
    const a = (await api.post('/me/addresses', { token, body: home })).body;
    const b = (await api.post('/me/addresses', { token, body: office })).body;

    const moved = await api.put(`/me/addresses/${b.id}`, { token, body: { ...office, isDefault: true } });
    const unchanged = await api.put(`/me/addresses/${a.id}`, { token, body: home });
    const cleared = await api.put(`/me/addresses/${b.id}`, { token, body: { ...office, isDefault: false } });

    expect(moved.body.isDefault).toBe(true);
    expect(unchanged.body.isDefault).toBe(false);
    expect(cleared.body.isDefault).toBe(false);
    expect((await api.get('/me', { token })).body.defaultAddressId).toBeUndefined();
  });

  it('deletes an address with 204; deleting it again is 404', async () => {
    const token = await api.customerToken();
    const saved = (await api.post('/me/addresses', { token, body: home })).body;

    const first = await api.delete(`/me/addresses/${saved.id}`, { token });
    const again = await api.delete(`/me/addresses/${saved.id}`, { token });

    expect(first.status).toBe(204);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
    expect((await api.get('/me/addresses', { token })).body.items).toEqual([]);
    expect((await api.get('/me', { token })).body.defaultAddressId).toBeUndefined();
  });

  it('answers unknown address ids with 404', async () => {
    const token = await api.customerToken();
    expect((await api.put('/me/addresses/adr_nope', { token, body: home })).status).toBe(404);
    expect((await api.delete('/me/addresses/adr_nope', { token })).status).toBe(404);
  });

  it('validates addresses: country must be ISO 3166-1 alpha-2, required lines present', async () => {
    const token = await api.customerToken();

    const res = await api.post('/me/addresses', { token, body: { ...home, country: 'UK', line1: ' ', postalCode: undefined } });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['country', 'line1', 'postalCode']);
    expect((await api.get('/me/addresses', { token })).body.items).toEqual([]);
  });

  it('pages through the address book in creation order', async () => {
    const token = await api.customerToken();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await api.post('/me/addresses', { token, body: { ...home, line1: `${i} Main St` } })).body.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await api.get(
        `/me/addresses?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((a) => a.id));
      cursor = page.body.nextCursor;
    } while (cursor);

    expect(seen).toEqual(ids);
    expect((await api.get('/me/addresses?cursor=garbage', { token })).status).toBe(400);
    expect((await api.get('/me/addresses?limit=0', { token })).status).toBe(400);
  });

  it('replays a create sent twice with the same Idempotency-Key', async () => {
    const token = await api.customerToken();
    const headers = { 'idempotency-key': `addr-${Date.now()}` };

    const first = await api.post('/me/addresses', { token, body: home, headers });
    const retry = await api.post('/me/addresses', { token, body: home, headers });
    const reused = await api.post('/me/addresses', { token, body: office, headers });

    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(reused.status).toBe(422);
    expect((await api.get('/me/addresses', { token })).body.items).toHaveLength(1);
  });
});
