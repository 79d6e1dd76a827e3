/**
 * 3-D Secure the way a client meets it on Stripe: the owner's order view carries the redirect and
 * the client secret while REQUIRES_ACTION (nobody else's view does), the challenge page at the
 * redirect returns to the tenant's return_url, and the signed webhook makes the order PAID. No
 * `/_local` helper is called. GET /config gives clients the publishable key.
 */
import { apiClient } from '../../bin/support/api';
import { checkout, customerWithCart, SHIPPING, waitForStatus, type OrderView } from '../../bin/support/orders';

const api = apiClient();

type OwnerPayment = OrderView['payment'] & { clientSecret?: string; nextAction?: { type: string; url: string } };

describe('GET /config', () => {
  it('answers anyone with the publishable key, the local stack a pk_test_local… one', async () => {
    const res = await api.get('/config');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stripePublishableKey: expect.stringMatching(/^pk_test_local/) });
    expect(res.headers.get('cache-control')).toMatch(/^public/);
  });
});

describe('3-D Secure through the redirect', () => {
  it("shows the redirect and the client secret in the owner's views only, and the challenge page's return makes the order PAID", async () => {
    // Prepare: an order waiting for the customer's authentication
    const { token } = await customerWithCart(api, { quantity: 1 });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_authenticationRequired', shippingAddress: SHIPPING });
    const waiting = await waitForStatus(api, token, placed.body.id, 'REQUIRES_ACTION', 30_000);
    const payment = waiting.payment as OwnerPayment;

    // Act: what each caller sees of it
    const admin = await api.adminToken();
    const [listed, adminList, stranger] = await Promise.all([
      api.get('/orders', { token }),
      api.get('/admin/orders?status=REQUIRES_ACTION&limit=100', { token: admin }),
      api.get(`/orders/${placed.body.id}`, { token: await api.customerToken() }),
    ]);

    // Assess: the owner has what Stripe.js or a plain redirect needs; nobody else has it
    expect(payment.clientSecret).toMatch(new RegExp(`^${payment.paymentIntentId}_secret_`));
    expect(payment.nextAction).toEqual({ type: 'redirect_to_url', url: expect.stringContaining('/3d_secure_2/hosted?') });
    expect(payment.nextAction!.url).not.toContain('/_local');
    const ownListed = listed.body.items.find((o: OrderView) => o.id === placed.body.id);
    expect(ownListed.payment).toEqual(payment);
    const staffView = adminList.body.items.find((o: OrderView) => o.id === placed.body.id);
    expect(staffView).toMatchObject({ id: placed.body.id, status: 'REQUIRES_ACTION' });
    expect(staffView.payment).toEqual({ status: 'requires_action', paymentIntentId: payment.paymentIntentId });
    expect(JSON.stringify(adminList.body)).not.toContain(payment.clientSecret!);
    expect(stranger.status).toBe(404);

    // Act: the customer's browser on the challenge page, as the storefront sends it there
    const page = await fetch(payment.nextAction!.url);
    const completed = await fetch(payment.nextAction!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=succeed',
      redirect: 'manual',
    });

    // Assess: back to the tenant's return_url (the local storefront's page of the order), then PAID
    expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('Complete authentication')]);
    expect(completed.status).toBe(303);
    const back = new URL(completed.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(`${api.url}/`);
    expect(Object.fromEntries(back.searchParams)).toEqual({
      order: placed.body.id,
      payment_intent: payment.paymentIntentId,
      payment_intent_client_secret: payment.clientSecret,
      redirect_status: 'succeeded',
    });
    const paid = await waitForStatus(api, token, placed.body.id, 'PAID', 30_000);
    expect(paid.payment).toEqual({ status: 'succeeded', paymentIntentId: payment.paymentIntentId });
    expect(paid.history.map((h) => h.status)).toEqual(['PENDING', 'REQUIRES_ACTION', 'PAID']);
  });

  it('shows no next action for an order that needed none', async () => {
    const { token } = await customerWithCart(api, { quantity: 1 });
    const placed = await checkout(api, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });

    const paid = await waitForStatus(api, token, placed.body.id, 'PAID', 30_000);

    expect(placed.body.payment).toEqual({ status: 'pending', paymentIntentId: null });
    expect(Object.keys(paid.payment).sort()).toEqual(['paymentIntentId', 'status']);
  });
});
