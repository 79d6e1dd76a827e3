import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { apiClient } from '../../bin/support/api';
import { checkout, customerWithCart, SHIPPING, waitForStatus } from '../../bin/support/orders';
import { eventually, type Api } from '../../bin/support/skus';
import { startStackProcess, type StackProcess } from '../../bin/support/stack-process';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: { id: string; type: string; createdAt: string; data: { order: { id: string; status: string } } };
}

/** A merchant's endpoint on this machine: records every request; `/flaky` fails its first `failures` requests. */
async function startReceiver(failures: number) {
  const received: Received[] = [];
  let flakyLeft = failures;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, rawBody: raw, body: JSON.parse(raw) });
      const fail = req.url === '/flaky' && flakyLeft-- > 0;
      res.writeHead(fail ? 503 : 200).end(fail ? 'down for maintenance' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { received, base, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** What the README tells a merchant to check: HMAC-SHA256 of "<t>.<raw body>", a recent t. */
function verifies(secret: string, received: Received): boolean {
  const header = String(received.headers['crowdstart-signature']);
  const { t, v1 } = Object.fromEntries(header.split(',').map((part) => part.split('=')));
  const expected = createHmac('sha256', secret).update(`${t}.${received.rawBody}`).digest('hex');
  return v1 === expected && Math.abs(Date.now() / 1000 - Number(t)) < 300;
}

async function paidOrder(api: Api) {
  const { token } = await customerWithCart(api);
  const placed = await checkout(api, token, { paymentMethodId: 'pm_card_visa', shippingAddress: SHIPPING });
  expect(placed.status).toBe(202);
  await waitForStatus(api, token, placed.body.id, 'PAID');
  return placed.body.id as string;
}

describe('merchant webhooks (WEBHOOK_RETRY_BASE_SECONDS=1)', () => {
  let stack: StackProcess;
  let api: Api;
  let admin: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver(2);
    stack = await startStackProcess({ env: { SEED_DEMO: 'false', WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_RETRY_MAX_SECONDS: '2' } });
    api = apiClient(stack.url, stack.dataDir);
    admin = await api.adminToken();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  const register = (path: string, events: string[]) => api.post('/admin/webhooks', { token: admin, body: { url: `${receiver.base}${path}`, events } });

  it('delivers order.paid signed with the endpoint secret, and replays it with the same id and a fresh signature', async () => {
    // Prepare
    const created = await register('/paid', ['order.paid']);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^whk_/), url: `${receiver.base}/paid`, events: ['order.paid'], secret: expect.stringMatching(/^whsec_/) });
    const { id, secret } = created.body;

    // Act
    const orderId = await paidOrder(api);
    const toPaid = () => receiver.received.filter((r) => r.path === '/paid' && r.body.data.order.id === orderId);
    const [delivery] = await eventually(async () => toPaid(), (seen) => seen.length > 0, 15_000);

    // Assess
    expect(delivery!.body).toMatchObject({ type: 'order.paid', data: { order: { id: orderId, status: 'PAID' } } });
    expect(delivery!.headers['crowdstart-event-id']).toBe(delivery!.body.id);
    expect(verifies(secret, delivery!)).toBe(true);
    expect(verifies('whsec_someone-else', delivery!)).toBe(false);
    const listed = await api.get('/admin/webhooks', { token: admin });
    expect(listed.body.items).toContainEqual({ id, url: `${receiver.base}/paid`, events: ['order.paid'], createdAt: expect.any(String) });
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const deliveries = await eventually(
      () => api.get(`/admin/webhooks/${id}/deliveries`, { token: admin }),
      (res) => res.body.items?.[0]?.status === 'delivered',
      5_000,
    );
    expect(deliveries.body.items).toHaveLength(1); // order.created was not subscribed to
    expect(deliveries.body.items[0]).toMatchObject({ eventId: delivery!.body.id, type: 'order.paid', status: 'delivered' });
    expect(deliveries.body.items[0].attempts).toEqual([{ at: expect.any(String), statusCode: 200, latencyMs: expect.any(Number) }]);

    // Act: replay
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a new second, so the signature's t differs
    const replay = await api.post(`/admin/webhooks/${id}/deliveries/${deliveries.body.items[0].id}/replay`, { token: admin });
    const [, replayed] = await eventually(async () => toPaid(), (seen) => seen.length > 1, 15_000);

    // Assess
    expect(replay.status).toBe(202);
    expect(replayed!.body).toEqual(delivery!.body);
    expect(replayed!.headers['crowdstart-event-id']).toBe(delivery!.body.id);
    expect(replayed!.headers['crowdstart-signature']).not.toBe(delivery!.headers['crowdstart-signature']);
    expect(verifies(secret, replayed!)).toBe(true);
  }, 60_000);

  it('retries a failing endpoint with backoff until it answers 2xx, recording every attempt', async () => {
    // Prepare: /flaky answers 503 twice, then 200
    const created = await register('/flaky', ['order.created']);

    // Act
    const orderId = await paidOrder(api);
    const attempts = await eventually(
      async () => receiver.received.filter((r) => r.path === '/flaky' && r.body.data.order.id === orderId),
      (seen) => seen.length >= 3,
      30_000,
    );

    // Assess
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.body.id)).size).toBe(1);
    expect(attempts.every((a) => a.body.type === 'order.created' && verifies(created.body.secret, a))).toBe(true);
    const deliveries = await eventually(
      () => api.get(`/admin/webhooks/${created.body.id}/deliveries`, { token: admin }),
      (res) => res.body.items?.[0]?.status === 'delivered',
      5_000,
    );
    expect(deliveries.body.items[0].attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 200]);
  }, 60_000);

  it('refuses bad registrations with 400, and forgets a deleted endpoint (404 after)', async () => {
    const badScheme = await api.post('/admin/webhooks', { token: admin, body: { url: 'ftp://example.com/hook', events: ['order.paid'] } });
    const badEvent = await api.post('/admin/webhooks', { token: admin, body: { url: `${receiver.base}/x`, events: ['order.shipped'] } });
    const noEvents = await api.post('/admin/webhooks', { token: admin, body: { url: `${receiver.base}/x`, events: [] } });
    const customer = await api.post('/admin/webhooks', { token: await api.customerToken(), body: { url: `${receiver.base}/x`, events: ['order.paid'] } });
    const created = await register('/gone', ['order.paid']);

    const deleted = await api.delete(`/admin/webhooks/${created.body.id}`, { token: admin });
    const again = await api.delete(`/admin/webhooks/${created.body.id}`, { token: admin });
    const deliveries = await api.get(`/admin/webhooks/${created.body.id}/deliveries`, { token: admin });
    const listed = await api.get('/admin/webhooks', { token: admin });

    expect([badScheme.status, badEvent.status, noEvents.status, customer.status]).toEqual([400, 400, 400, 403]);
    expect([deleted.status, again.status, deliveries.status]).toEqual([204, 404, 404]);
    expect(listed.body.items.map((e: { id: string }) => e.id)).not.toContain(created.body.id);
  }, 30_000);
});
