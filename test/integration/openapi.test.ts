import { Validator } from '@seriousme/openapi-schema-validator';
import { apiClient } from '../../bin/support/api';
import { ROUTES } from '../../lib/routes';

const api = apiClient();

describe('GET /openapi.json', () => {
  it('answers a valid OpenAPI 3.1 document that lists every route of lib/routes.ts', async () => {
    // Act
    const res = await api.route('openapi');

    // Assess
    const document = res.expectStatus(200) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const validator = new Validator();
    expect(await validator.validate(document)).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
    const documented = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('is public and cacheable: ETag and Cache-Control, 304 on If-None-Match', async () => {
    const first = await api.get('/openapi.json');

    const again = await api.get('/openapi.json', { headers: { 'if-none-match': first.headers.get('etag')! } });

    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    expect(again.status).toBe(304);
  });
});

describe('GET /docs (local stack only)', () => {
  it('serves the viewer page and its assets from node_modules, and nothing else of the package', async () => {
    const page = await fetch(`${api.url}/docs`);
    const html = await page.text();
    const assets = await Promise.all(['swagger-ui.css', 'swagger-ui-bundle.js'].map((name) => fetch(`${api.url}/docs/${name}`)));
    const other = await api.get('/docs/package.json');

    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(html).toContain("url: '/openapi.json'");
    expect(assets.map((asset) => asset.status)).toEqual([200, 200]);
    expect(assets[1]!.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect([other.status, other.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
  });
});
