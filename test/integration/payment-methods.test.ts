import { jest } from '@jest/globals';
import { apiClient } from '../../bin/support/api';

const api = apiClient();
// Calls to Stripe and cold handlers on a busy machine outlast jest's 5 s default.
jest.setTimeout(30_000);

interface Card {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

const save = (token: string, paymentMethodId: string, headers?: Record<string, string>) =>
  api.post('/me/payment-methods', { token, body: { paymentMethodId }, headers });
const cardsOf = async (token: string): Promise<Card[]> => (await api.get('/me/payment-methods?limit=100', { token })).body.items;

describe('POST /me/payment-methods', () => {
  it('saves a test card as a new payment method of the caller: 201, Location, listed', async () => {
    const token = await api.customerToken();

    const res = await save(token, 'pm_card_visa');

    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^pm_/), brand: 'visa', last4: '4242', expMonth: expect.any(Number), expYear: expect.any(Number) });
    expect(res.body.id).not.toBe('pm_card_visa');
    expect(res.body.expYear).toBeGreaterThanOrEqual(new Date().getFullYear());
    expect(res.headers.get('location')).toBe(`/me/payment-methods/${res.body.id}`);
    expect(await cardsOf(token)).toEqual([res.body]);
  });

  it('answers a declined card with 402 CARD_DECLINED and saves nothing', async () => {
    const token = await api.customerToken();

    const res = await save(token, 'pm_card_chargeDeclined');

    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: 'CARD_DECLINED', details: [{ declineCode: 'generic_decline' }] });
    expect(await cardsOf(token)).toEqual([]);
  });

  it('answers a card that needs 3-D Secure with 202 and saves it once the customer authenticates', async () => {
    const token = await api.customerToken();

    const res = await api.post('/me/payment-methods', {
      token,
      body: { paymentMethodId: 'pm_card_authenticationRequired', returnUrl: 'https://shop.example/cards' },
    });

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'requires_action', setupIntentId: expect.stringMatching(/^seti_/), redirectUrl: expect.any(String) });
    expect(await cardsOf(token)).toEqual([]);
    // The customer passes the bank's check (the local Stripe server's stand-in for it).
    const bank = new URL(res.body.redirectUrl).origin;
    const done = await fetch(`${bank}/_local/setup_intents/${res.body.setupIntentId}/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'succeed' }),
    });
    expect(done.status).toBe(200);
    expect((await cardsOf(token)).map((c) => [c.brand, c.last4])).toEqual([['visa', '3184']]);
  });

  it('refuses what is not a usable payment method with 400 on paymentMethodId', async () => {
    const token = await api.customerToken();

    const malformed = await api.post('/me/payment-methods', { token, body: { paymentMethodId: 'card_123' } });
    const unknown = await save(token, 'pm_doesnotexist');
    const missing = await api.post('/me/payment-methods', { token, body: {} });

    for (const res of [malformed, unknown, missing]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details[0].path).toBe('paymentMethodId');
    }
    expect(await cardsOf(token)).toEqual([]);
  });

  it('makes one Stripe customer under concurrent first saves, so every card is listed', async () => {
    const token = await api.customerToken();

    const results = await Promise.all(['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex', 'pm_card_visa_debit', 'pm_card_visa'].map((pm) => save(token, pm)));

    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const listed = (await cardsOf(token)).map((c) => c.id).sort();
    expect(listed).toEqual(results.map((r) => r.body.id).sort());
  });

  it('replays a save retried with the same Idempotency-Key instead of saving the card twice', async () => {
    const token = await api.customerToken();
    const headers = { 'idempotency-key': `save-card-${Date.now()}` };

    const first = await save(token, 'pm_card_visa', headers);
    const retry = await save(token, 'pm_card_visa', headers);

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await cardsOf(token)).toHaveLength(1);
  });
});

describe('GET /me/payment-methods', () => {
  it('answers an empty list for a customer who never saved a card', async () => {
    const res = await api.get('/me/payment-methods', { token: await api.customerToken() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  it('lists newest first and pages with the cursor', async () => {
    const token = await api.customerToken();
    const visa = (await save(token, 'pm_card_visa')).body;
    const mastercard = (await save(token, 'pm_card_mastercard')).body;

    const first = await api.get('/me/payment-methods?limit=1', { token });
    const second = await api.get(`/me/payment-methods?limit=1&cursor=${first.body.nextCursor}`, { token });

    expect(first.body.items).toEqual([mastercard]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect(second.body).toEqual({ items: [visa], nextCursor: null });
  });
});

describe('DELETE /me/payment-methods/{id}', () => {
  it('detaches a saved card with 204; it is gone from the list and a second delete is 404', async () => {
    const token = await api.customerToken();
    const kept = (await save(token, 'pm_card_visa')).body;
    const removed = (await save(token, 'pm_card_mastercard')).body;

    const first = await api.delete(`/me/payment-methods/${removed.id}`, { token });
    const again = await api.delete(`/me/payment-methods/${removed.id}`, { token });

    expect(first.status).toBe(204);
    expect(again.status).toBe(404);
    expect(await cardsOf(token)).toEqual([kept]);
  });

  it('answers unknown ids and bare test tokens with 404', async () => {
    const token = await api.customerToken();
    await save(token, 'pm_card_visa');

    for (const id of ['pm_doesnotexist', 'pm_card_visa']) {
      const res = await api.delete(`/me/payment-methods/${id}`, { token });
      expect([id, res.status, res.body.error.code]).toEqual([id, 404, 'NOT_FOUND']);
    }
    expect(await cardsOf(token)).toHaveLength(1);
  });
});
