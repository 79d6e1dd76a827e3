import { apiClient, unique, type BodyAt, type RouteResult } from '../../bin/support/api';

type Product = BodyAt<'get-product', 200>;

const api = apiClient();

/** A valid product write with collision-free SKUs. */
function productBody(label = 'Tee', variants = 2) {
  const slug = unique(label);
  return {
    name: `${label} ${slug}`,
    description: 'Heavyweight organic cotton.',
    tags: ['apparel', 'test'],
    images: ['https://cdn.example.com/tee.jpg'],
    variants: Array.from({ length: variants }, (_, i) => ({
      sku: `${slug}-${i}`,
      name: `${label} size ${i}`,
      options: { size: ['S', 'M', 'L', 'XL'][i % 4]! },
      price: { amount: 2400 + i * 100, currency: 'USD' },
    })),
  };
}

async function createProduct(token: string, body = productBody()) {
  return (await api.route('create-product', { token, body })).expectStatus(201);
}

describe('GET /products', () => {
  it('walks the seeded catalog page by page without duplicates', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const listed: RouteResult<'list-products'> = await api.route('list-products', { query: { limit: 7, ...(cursor ? { cursor } : {}) } });
      const page = listed.expectStatus(200);
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 100);

    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(36);
    expect(pages).toBeGreaterThanOrEqual(6);
  });

  it('shows seeded products with variants, prices and availability', async () => {
    // Newest first, and the other suites add products to the same stack: page to the seeded ones.
    const items = [];
    let cursor: string | null | undefined;
    do {
      const page = (await api.route('list-products', { query: { limit: 100, ...(cursor ? { cursor } : {}) } })).expectStatus(200);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && !items.some((p) => p.name === 'Classic Crew T-Shirt'));
    const tee = items.find((p) => p.name === 'Classic Crew T-Shirt')!;

    expect(tee).toMatchObject({ id: expect.stringMatching(/^prd_/), version: 1, tags: expect.arrayContaining(['apparel']) });
    expect(tee.variants).toHaveLength(6);
    expect(tee.variants[0]).toEqual({
      sku: expect.stringMatching(/^TEE-CLASSIC-/),
      name: expect.any(String),
      options: { colour: expect.any(String), size: expect.any(String) },
      price: { amount: 2400, currency: 'USD' },
      available: expect.any(Number),
    });
    // The seed stocks most SKUs through PUT /admin/inventory
    expect(items.flatMap((p) => p.variants).some((v) => v.available > 0)).toBe(true);
  });

  it.each(['limit=0', 'limit=101', 'limit=abc', 'cursor=garbage', `cursor=${Buffer.from('{"pk":"CUSTOMER#x"}').toString('base64url')}`])(
    'answers ?%s with 400 VALIDATION_FAILED',
    async (query) => {
      const res = await api.get(`/products?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details[0]).toMatchObject({ in: 'query' });
    },
  );

  it('answers If-None-Match with 304 while the list is unchanged', async () => {
    const first = await api.route('list-products', { query: { limit: 3 } });
    const etag = first.headers.get('etag')!;

    const again = await api.route('list-products', { query: { limit: 3 }, headers: { 'if-none-match': etag } });

    expect(etag).toMatch(/^".+"$/);
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(again.status).toBe(304);
  });
});

describe('admin product writes', () => {
  it('creates a product that reads back at version 1 with availability', async () => {
    const token = await api.adminToken();
    const body = productBody('Hoodie');

    const res = await api.route('create-product', { token, body });
    const created = res.expectStatus(201);
    const read = (await api.route('get-product', { params: { productId: created.id } })).expectStatus(200);

    expect(res.headers.get('location')).toBe(`/products/${created.id}`);
    expect(read).toEqual({
      ...body,
      id: created.id,
      version: 1,
      createdAt: expect.any(String),
      updatedAt: read.createdAt,
      variants: body.variants.map((v) => ({ ...v, available: 0 })),
    });
  });

  it('shows stock set through the inventory route as available', async () => {
    const token = await api.adminToken();
    const product = await createProduct(token);
    const sku = product.variants[1]!.sku;

    const stock = await api.route('set-inventory', { token, params: { sku }, body: { total: 7 } });
    const read = (await api.route('get-product', { params: { productId: product.id } })).expectStatus(200);

    expect(stock.expectStatus(200)).toMatchObject({ sku, total: 7, available: 7 });
    expect(read.variants.map((v) => v.available)).toEqual([0, 7]);
  });

  it('refuses customers with 403 and anonymous callers with 401', async () => {
    const customer = await api.customerToken();
    const product = await createProduct(await api.adminToken());

    const asCustomer = [
      await api.post('/admin/products', { token: customer, body: productBody() }),
      await api.put(`/admin/products/${product.id}`, { token: customer, body: { ...productBody(), version: 1 } }),
      await api.delete(`/admin/products/${product.id}`, { token: customer }),
    ];
    const anonymous = await api.post('/admin/products', { body: productBody() });

    expect(asCustomer.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(asCustomer[0]!.body.error.code).toBe('FORBIDDEN');
    expect(anonymous.status).toBe(401);
    expect((await api.get(`/products/${product.id}`)).body.version).toBe(1);
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await api.post('/admin/products', {
      token: await api.adminToken(),
      rawBody: '{"name": "Mug",',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_JSON');
  });

  it('answers an invalid product with 400 VALIDATION_FAILED naming every bad field', async () => {
    const body = productBody();
    const res = await api.post('/admin/products', {
      token: await api.adminToken(),
      body: { ...body, name: '', variants: [{ ...body.variants[0], price: { amount: 9.99, currency: 'usd' } }, body.variants[1]] },
    });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'name',
      'variants.0.price.amount',
      'variants.0.price.currency',
    ]);
    expect(res.body.error.details[0]).toMatchObject({ in: 'body', message: expect.any(String) });
  });

  it('refuses a variant-less product', async () => {
    const res = await api.post('/admin/products', { token: await api.adminToken(), body: { ...productBody(), variants: [] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'variants' })]);
  });

  it('refuses a SKU that another product has with 409 SKU_TAKEN, creating nothing', async () => {
    const token = await api.adminToken();
    const first = await createProduct(token);
    const clash = productBody();
    clash.variants[1]!.sku = first.variants[0]!.sku;

    const res = await api.post('/admin/products', { token, body: clash });
    const free = await api.post('/admin/products', { token, body: { ...clash, variants: [clash.variants[0]] } });

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'SKU_TAKEN', details: [{ sku: first.variants[0]!.sku }] });
    expect(free.status).toBe(201); // the clash's other SKU was not claimed by the failed create
  });
});

describe('PUT /admin/products/{id}', () => {
  it('replaces the product and bumps the version', async () => {
    const token = await api.adminToken();
    const product = await createProduct(token);
    const next = { ...productBody('Renamed'), version: 1 };

    const res = (await api.route('update-product', { token, params: { productId: product.id }, body: next })).expectStatus(200);
    const read = (await api.route('get-product', { params: { productId: product.id } })).expectStatus(200);

    expect(res).toMatchObject({ id: product.id, name: next.name, version: 2, createdAt: product.createdAt });
    expect(read).toEqual(res);
  });

  it('answers a stale version with 409 VERSION_CONFLICT, in the body or in If-Match', async () => {
    const token = await api.adminToken();
    const product = await createProduct(token);
    const params = { productId: product.id };
    await api.route('update-product', { token, params, body: { ...productBody(), version: 1 } });

    const staleBody = await api.route('update-product', { token, params, body: { ...productBody(), version: 1 } });
    const staleHeader = await api.route('update-product', { token, params, body: productBody(), headers: { 'if-match': '"1"' } });
    const fresh = await api.route('update-product', { token, params, body: productBody(), headers: { 'if-match': '"2"' } });

    expect(staleBody.expectStatus(409).error).toMatchObject({ code: 'VERSION_CONFLICT', details: [{ expectedVersion: 1, currentVersion: 2 }] });
    expect(staleHeader.expectStatus(409).error.code).toBe('VERSION_CONFLICT');
    expect(fresh.expectStatus(200).version).toBe(3);
  });

  it('needs the version it replaces', async () => {
    const token = await api.adminToken();
    const product = await createProduct(token);

    const res = await api.put(`/admin/products/${product.id}`, { token, body: productBody() });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'version' })] });
  });

  it('claims added SKUs and frees removed ones', async () => {
    const token = await api.adminToken();
    const product = await createProduct(token);
    const [kept, removed] = product.variants as [Product['variants'][number], Product['variants'][number]];
    const added = { ...kept, sku: unique('ADDED'), name: 'Added' };

    const res = await api.put(`/admin/products/${product.id}`, { token, body: { ...product, variants: [kept, added] } });
    const takeRemoved = await api.post('/admin/products', { token, body: { ...productBody(), variants: [{ ...removed, available: undefined }] } });
    const takeAdded = await api.post('/admin/products', { token, body: { ...productBody(), variants: [added] } });

    expect(res.status).toBe(200);
    expect(res.body.variants.map((v: { sku: string }) => v.sku)).toEqual([kept.sku, added.sku]);
    expect(takeRemoved.status).toBe(201);
    expect(takeAdded.status).toBe(409);
    expect(takeAdded.body.error.code).toBe('SKU_TAKEN');
  });

  it('replaces all 49 variants with 49 others in one go', async () => {
    const token = await api.adminToken();
    const product = await createProduct(token, productBody('Wide', 49));

    const res = await api.put(`/admin/products/${product.id}`, { token, body: { ...productBody('Wider', 49), version: 1 } });

    expect(res.status).toBe(200);
    expect(res.body.variants).toHaveLength(49);
    expect((await api.post('/admin/products', { token, body: { ...productBody(), variants: [product.variants[48]] } })).status).toBe(201);
  });

  it('answers an unknown product with 404', async () => {
    const res = await api.put('/admin/products/prd_000000000000000000000', { token: await api.adminToken(), body: { ...productBody(), version: 1 } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('DELETE /admin/products/{id}', () => {
  it('removes the product and frees its SKUs; afterwards it is 404', async () => {
    const token = await api.adminToken();
    const product = await createProduct(token);

    const params = { productId: product.id };
    const res = await api.route('delete-product', { token, params });
    const read = await api.route('get-product', { params });
    const again = await api.route('delete-product', { token, params });
    const reuse = await api.route('create-product', { token, body: { ...productBody(), variants: [{ ...product.variants[0]!, available: undefined }] } });

    expect(res.expectStatus(204)).toBeUndefined();
    expect(read.expectStatus(404).error.code).toBe('NOT_FOUND');
    expect(again.expectStatus(404).error.code).toBe('NOT_FOUND');
    expect(reuse.status).toBe(201);
  });
});

describe('GET /products/{id}', () => {
  it.each(['prd_000000000000000000000', 'nope', '..%2F..%2Fetc'])('answers %p with 404 NOT_FOUND', async (id) => {
    const res = await api.get(`/products/${id}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('carries an ETag that answers If-None-Match with 304 until the product changes', async () => {
    const token = await api.adminToken();
    const product = await createProduct(token);
    const params = { productId: product.id };
    const first = await api.route('get-product', { params });
    const etag = first.headers.get('etag')!;

    const unchanged = await api.route('get-product', { params, headers: { 'if-none-match': etag } });
    await api.route('update-product', { token, params, body: { ...productBody(), version: 1 } });
    const changed = await api.route('get-product', { params, headers: { 'if-none-match': etag } });

    expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBeUndefined();
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });
});

describe('Idempotency-Key on POST /admin/products', () => {
  it('replays the first response for the same key and body', async () => {
    const token = await api.adminToken();
    const body = productBody();
    const headers = { 'idempotency-key': unique('key') };

    const first = await api.post('/admin/products', { token, body, headers });
    const replay = await api.post('/admin/products', { token, body, headers });

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.headers.get('location')).toBe(`/products/${first.body.id}`);
  });

  it('answers the same key with another body with 422', async () => {
    const token = await api.adminToken();
    const headers = { 'idempotency-key': unique('key') };
    await api.post('/admin/products', { token, body: productBody(), headers });

    const res = await api.post('/admin/products', { token, body: productBody(), headers });

    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
