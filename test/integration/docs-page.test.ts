import type { Browser } from 'playwright-core';
import { apiClient } from '../../bin/support/api';
import { launchBrowser } from './support/browser';

const api = apiClient();
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

describe('the /docs page in headless Chromium', () => {
  it('renders the operations of /openapi.json, offline: every request stays on the stack', async () => {
    // Prepare
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(api.url)) elsewhere.push(request.url());
    });

    // Act
    await page.goto(`${api.url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });

    // Assess
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    const normalized = paths.map((path) => path.replace(/\u200b/g, '').trim());
    expect(normalized).toEqual(expect.arrayContaining(['/cart/items', '/checkout', '/products/{productId}', '/admin/inventory/{sku}']));
    expect(await page.locator('.opblock-tag').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining('Cart'), expect.stringContaining('Orders')]));
    expect(await page.title()).toBe('Crowdstart API');
    expect(elsewhere).toEqual([]);
    await page.close();
  }, 60_000);
});
