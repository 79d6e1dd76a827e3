import type { Browser } from 'playwright-core';
import { apiClient } from '../../bin/support/api';
import { checkout, customerWithCart, executionArnOf, executionHistory, SHIPPING, sfnClient, engineUrl, waitForStatus } from '../../bin/support/orders';
import { statesOf } from '../../lib/local/console';
import { launchBrowser } from './support/browser';

const api = apiClient();

/** The local /console, in headless Chromium: an order's execution found by its id, its history and its graph. */
describe('workflow console', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("lists an order's execution, and shows its event history and its graph with the current state marked", async () => {
    // Prepare: a paid order, whose workflow now waits for the merchant to ship
    const { token } = await customerWithCart(api);
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });
    const orderId = placed.body.id as string;
    await waitForStatus(api, token, orderId, 'PAID');
    const sfn = sfnClient(engineUrl('sfn'));
    const { current } = statesOf(await executionHistory(sfn, executionArnOf(orderId)));
    sfn.destroy();
    const page = await browser.newPage();

    // Act: find the execution by the order id and open it
    await page.goto(`${api.url}/console`);
    await page.getByLabel('Order id').fill(orderId);
    await page.getByRole('button', { name: 'Find' }).click();
    const row = page.locator('tr.execution', { hasText: orderId });
    await row.getByRole('link', { name: orderId }).click();

    // Assess
    await page.waitForURL(`**/console/executions/${orderId}`);
    expect(await page.locator('#execution-status').textContent()).toBe('RUNNING');
    const types = await page.locator('#history tr.event').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(types[0]).toBe('ExecutionStarted');
    expect(types).toEqual(expect.arrayContaining(['TaskStateEntered', 'TaskSucceeded', 'TaskStateExited'])); // Pay reports through its task token
    expect(await page.locator('#history').textContent()).toContain(orderId); // the input the execution started with
    const marked = page.locator('svg.graph g.state.current');
    expect(await marked.count()).toBe(1);
    expect(current).toBeTruthy();
    expect(await marked.getAttribute('data-state')).toBe(current);
    expect(await page.locator('#current-state').textContent()).toBe(current);
    expect(await page.locator('svg.graph g.state').count()).toBeGreaterThan(5);
    expect(await page.locator('svg.graph g.state.visited').count()).toBeGreaterThan(1);
    await page.close();
  }, 60_000);

  it('answers an unknown execution with 404 and refuses writes', async () => {
    // Act
    const missing = await fetch(`${api.url}/console/executions/ord_000000000000000000000000`);
    const write = await fetch(`${api.url}/console`, { method: 'POST' });

    // Assess
    expect(missing.status).toBe(404);
    expect(write.status).toBe(405);
  });
});
