import { WEBHOOK_DELIVERY_ATTEMPTS } from '../../lib/consumers';
import { resolveSettings } from '../../lib/settings';
import {
  attemptsWithin,
  checkUrlSyntax,
  DEFAULT_RETRY_SCHEDULE,
  isNonPublicAddress,
  retryDelaySeconds,
  RETRY_WINDOW_SECONDS,
  signatureHeader,
  verifySignature,
  webhookDeliveryId,
  webhookEventOf,
} from '../../functions/domain/webhook';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = JSON.stringify({ id: 'evt_1', type: 'order.paid' });

  it('verifies its own signature within five minutes, and nothing else', () => {
    const now = 1_800_000_000;
    const header = signatureHeader(secret, body, now);

    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, body, header, now + 299)).toBe(true);
    expect(verifySignature(secret, body, header, now + 301)).toBe(false);
    expect(verifySignature('whsec_other', body, header, now)).toBe(false);
    expect(verifySignature(secret, `${body} `, header, now)).toBe(false);
    expect(verifySignature(secret, body, 't=1800000000,v1=zz', now)).toBe(false);
  });

  it('derives one delivery id per event and endpoint, ordered by event time', () => {
    const early = { id: 'evt_a_1', createdAt: '2026-01-01T00:00:00.000Z' };
    const late = { id: 'evt_a_2', createdAt: '2026-01-02T00:00:00.000Z' };

    expect(webhookDeliveryId(early, 'whk_1')).toBe(webhookDeliveryId(early, 'whk_1'));
    expect(webhookDeliveryId(early, 'whk_1')).not.toBe(webhookDeliveryId(early, 'whk_2'));
    expect(webhookDeliveryId(late, 'whk_1') > webhookDeliveryId(early, 'whk_1')).toBe(true);
  });

  it('names an event for every lifecycle status but the 3-D Secure wait', () => {
    expect(webhookEventOf('PAID')).toBe('order.paid');
    expect(webhookEventOf('PENDING')).toBe('order.created');
    expect(webhookEventOf('REFUNDED')).toBe('order.refunded');
    expect(webhookEventOf('REQUIRES_ACTION')).toBeUndefined();
  });
});

describe('webhook retries', () => {
  it('backs off exponentially from 30 s to an hour', () => {
    expect([1, 2, 3, 7, 8, 20].map((n) => retryDelaySeconds(n, DEFAULT_RETRY_SCHEDULE))).toEqual([30, 60, 120, 1920, 3600, 3600]);
  });

  it("gives the queue's maxReceiveCount exactly the attempts of 24 h", () => {
    expect(attemptsWithin(RETRY_WINDOW_SECONDS, DEFAULT_RETRY_SCHEDULE)).toBe(WEBHOOK_DELIVERY_ATTEMPTS);
  });
});

describe('webhook URL rules', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', 'not-an-ip'])(
    'treats %s as non-public',
    (address) => expect(isNonPublicAddress(address)).toBe(true),
  );

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111'])('treats %s as public', (address) => expect(isNonPublicAddress(address)).toBe(false));

  it('takes only https and no literal private host on production', () => {
    for (const url of ['http://example.com/hook', 'https://localhost/hook', 'https://127.0.0.1/hook', 'https://[::1]/hook', 'https://169.254.169.254/latest', 'https://user:pw@example.com/']) {
      expect(() => checkUrlSyntax(url, 'public-https')).toThrow(expect.objectContaining({ code: 'WEBHOOK_URL_REFUSED', statusCode: 400 }));
    }
    expect(checkUrlSyntax('https://hooks.example.com/crowdstart', 'public-https').href).toBe('https://hooks.example.com/crowdstart');
    expect(checkUrlSyntax('http://127.0.0.1:4000/hook', 'allow-private').port).toBe('4000');
  });

  it('keeps production tenants on public https URLs', () => {
    expect(resolveSettings('acme').webhookUrlPolicy).toBe('public-https');
    expect(() => resolveSettings('acme', { acme: { webhookUrlPolicy: 'allow-private' } })).toThrow(/webhookUrlPolicy must be 'public-https'/);
  });
});
