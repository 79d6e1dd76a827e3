/**
 * The local storefront in a real browser (headless Chromium): a customer signs in, finds products
 * by search, sees the hold in the cart, pays with pm_card_visa and then with
 * pm_card_authenticationRequired through the bank's challenge page and back, and both orders
 * reach PAID. The page calls the public API only: no `/_local` helper, nothing off this machine.
 */
import { request as httpRequest } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { apiClient, unique } from '../../bin/support/api';
import { engineUrl } from '../../bin/support/orders';
import { createSku } from '../../bin/support/skus';
import { launchBrowser } from './support/browser';

const api = apiClient();
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** The search index follows the table's stream: wait until the product is findable. */
async function findable(term: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const res = await api.get(`/search?q=${encodeURIComponent(term)}`);
    if (res.status === 200 && res.body.items.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no search result for ${term}`);
}

/** The unique part of a fixture SKU (SKU-1A2B3C4D), a search term of its product's name. */
const termOf = (sku: string) => sku.split('-')[1]!.toLowerCase();

const textOf = (page: Page, selector: string) => page.locator(selector).textContent();

/** The order page polls GET /orders/{id}; wait until it shows `status`. */
async function waitForOrderStatus(page: Page, status: string): Promise<void> {
  await page.waitForSelector(`#order-status:text-is("${status}")`, { timeout: 30_000 });
}

/** Search, add to the cart, check the hold shows, choose the card and place the order. */
async function placeOrder(page: Page, sku: string, card: string): Promise<void> {
  await page.fill('#search-q', termOf(sku));
  await page.press('#search-q', 'Enter');
  await page.click(`button.add[data-sku="${sku}"]`);
  await page.waitForSelector('#message:has-text("Added")');
  await page.click('#cart-link');
  expect(await textOf(page, `.hold-expiry[data-sku="${sku}"]`)).toMatch(/^for \d+:\d\d \(until /);
  await page.selectOption('#payment-method', card);
  await page.click('#checkout');
}

/** A GET with the path exactly as written (fetch would resolve dot segments before sending). */
function rawGet(path: string): Promise<{ status: number; type?: string; requestId?: string; code?: string }> {
  const { hostname, port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const code = res.headers['content-type']?.includes('json') ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : undefined;
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], requestId: res.headers['x-request-id'] as string | undefined, code });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

const orderIdIn = (url: string) => new URL(url).searchParams.get('order')!;

describe('the storefront', () => {
  it('buys with pm_card_visa, then with pm_card_authenticationRequired through the challenge page, and both orders reach PAID', async () => {
    // Prepare
    const skus = [await createSku(api, 5, 1500), await createSku(api, 5, 2500)];
    await Promise.all(skus.map((sku) => findable(termOf(sku))));
    const customer = unique('shopper').toLowerCase();
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${api.url}/`);
    await page.fill('#customer', customer);
    await page.click('#sign-in');
    await page.waitForSelector('#signed-in-as');

    // Act: a card that pays
    await placeOrder(page, skus[0]!, 'pm_card_visa');
    await page.waitForURL(/\?order=ord_/);
    await waitForOrderStatus(page, 'PAID');
    const visaOrder = orderIdIn(page.url());

    // Act: a card that needs 3-D Secure, to the bank's page and back
    await placeOrder(page, skus[1]!, 'pm_card_authenticationRequired');
    await page.waitForURL((url) => url.pathname === '/3d_secure_2/hosted', { timeout: 30_000 });
    await page.click('#complete');
    await page.waitForURL((url) => url.origin === new URL(api.url).origin && url.searchParams.has('payment_intent'));
    await waitForOrderStatus(page, 'PAID');
    const secureOrder = orderIdIn(page.url());

    // Act: the order history
    await page.click('#orders-link');
    await page.waitForSelector(`tr[data-order="${secureOrder}"]`);
    const history = await Promise.all([visaOrder, secureOrder].map((id) => page.locator(`tr[data-order="${id}"] .status`).textContent()));

    // Assess
    const token = await api.token(customer);
    for (const id of [visaOrder, secureOrder]) expect((await api.get(`/orders/${id}`, { token })).body.status).toBe('PAID');
    expect((await api.get(`/orders/${secureOrder}`, { token })).body.history.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'REQUIRES_ACTION', 'PAID']);
    expect(history).toEqual(['PAID', 'PAID']);
    expect(requests.filter((url) => url.includes('/_local'))).toEqual([]);
    const origins = new Set(requests.map((url) => new URL(url).origin));
    expect([...origins].sort()).toEqual([new URL(api.url).origin, new URL(engineUrl('stripe')).origin].sort());
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 90_000);

  it('serves its own files only, by the path as sent: a dot segment or a file outside its folder is no page of it', async () => {
    const [page, script, dotted, outside] = await Promise.all([rawGet('/'), rawGet('/storefront/app.js'), rawGet('/products/..'), rawGet('/storefront/serve.ts')]);

    expect([page.status, page.type, page.requestId]).toEqual([200, 'text/html; charset=utf-8', expect.any(String)]);
    expect([script.status, script.type]).toEqual([200, 'text/javascript; charset=utf-8']);
    for (const refused of [dotted, outside]) expect([refused.status, refused.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
  });

  it('signs in demo customers only: a token for a name, never the admin role, and a bad name refused', async () => {
    const signIn = (customer: unknown) =>
      fetch(`${api.url}/auth/demo-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customer }) });

    const [good, bad] = await Promise.all([signIn('alice-demo'), signIn('alice demo; drop')]);
    const { token } = (await good.json()) as { token: string };

    expect([good.status, bad.status]).toEqual([200, 400]);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    expect((await api.get('/me', { token })).status).toBe(200);
    expect((await api.get('/admin/orders', { token })).status).toBe(403);
  });
});
