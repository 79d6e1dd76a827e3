/**
 * Pure pieces of the local Stripe server and the Stripe adapter: Stripe's form encoding and
 * declared params, the pinned API version, fresh keys after a 500, the webhook signature format,
 * fault injection, and reading the Stripe configuration.
 */
import Stripe from 'stripe';
import { endpointOf, STRIPE_API_VERSION } from '../../functions/adapters/stripe/client';
import { parseSecret } from '../../functions/adapters/stripe/config';
import { PaymentProviderMisconfigured } from '../../functions/adapters/stripe/errors';
import { withFreshKeys } from '../../functions/adapters/stripe/idempotency';
import { IMPLEMENTED_API_VERSIONS } from '../../lib/local/stripe/engine';
import { FaultInjector } from '../../lib/local/stripe/faults';
import { canonicalForm, parseForm } from '../../lib/local/stripe/form';
import { refuseUnknownParams } from '../../lib/local/stripe/params';
import { signatureHeader } from '../../lib/local/stripe/webhooks';

describe('Stripe form encoding', () => {
  test('nested objects and indexed arrays come back as the SDK wrote them', () => {
    const parsed = parseForm('amount=100&metadata[orderId]=o%201&expand[0]=latest_charge&expand[1]=customer&a[b][c]=d');
    expect(parsed).toEqual({ amount: '100', metadata: { orderId: 'o 1' }, expand: ['latest_charge', 'customer'], a: { b: { c: 'd' } } });
  });

  test('empty brackets append, and percent-encoded brackets parse like plain ones', () => {
    expect(parseForm('types[]=card&types[]=link&m%5Bk%5D=v')).toEqual({ types: ['card', 'link'], m: { k: 'v' } });
  });

  test('the canonical form ignores field order but not values', () => {
    const one = canonicalForm(parseForm('a=1&metadata[x]=1&metadata[y]=2'));
    expect(canonicalForm(parseForm('metadata[y]=2&a=1&metadata[x]=1'))).toBe(one);
    expect(canonicalForm(parseForm('a=1&metadata[x]=1&metadata[y]=3'))).not.toBe(one);
  });
});

describe('declared params', () => {
  const spec = { amount: true, metadata: 'map', automatic_payment_methods: { enabled: true } } as const;

  test('declared params, nested ones and free-form metadata keys pass', () => {
    expect(() => refuseUnknownParams(parseForm('amount=1&metadata[anything]=x&automatic_payment_methods[enabled]=true'), spec)).not.toThrow();
  });

  test.each([
    ['retrun_url=x', 'retrun_url'],
    ['automatic_payment_methods[enabeld]=true', 'automatic_payment_methods[enabeld]'],
  ])('%s is refused as parameter_unknown naming %s', (form, param) => {
    expect(() => refuseUnknownParams(parseForm(form), spec)).toThrow(expect.objectContaining({ status: 400, body: expect.objectContaining({ code: 'parameter_unknown', param }) }));
  });
});

describe('Stripe API version', () => {
  test('the version the adapter pins is one the local server implements', () => {
    expect(IMPLEMENTED_API_VERSIONS).toContain(STRIPE_API_VERSION);
  });
});

describe('fresh idempotency keys after a 500', () => {
  const serverError = (replayed: boolean) =>
    new Stripe.errors.StripeAPIError({ statusCode: 500, message: 'boom', headers: replayed ? { 'idempotent-replayed': 'true' } : {} });

  test('walks base, base~2 … past replayed 500s to the first key with an answer', async () => {
    const tried: string[] = [];
    const answer = await withFreshKeys('order-1-pay', async (key) => {
      tried.push(key);
      if (tried.length < 3) throw serverError(true);
      return key;
    });
    expect(tried).toEqual(['order-1-pay', 'order-1-pay~2', 'order-1-pay~3']);
    expect(answer).toBe('order-1-pay~3');
  });

  test('asks whether the work happened before giving a key up, and takes that answer', async () => {
    const tried: string[] = [];
    const answer = await withFreshKeys(
      'order-2-refund',
      async (key) => {
        tried.push(key);
        throw serverError(false);
      },
      async () => 'refunded already',
    );
    expect([tried, answer]).toEqual([['order-2-refund'], 'refunded already']);
  });

  test('gives up after a few fresh 500s, and never retries anything but a 500', async () => {
    const calls = { fresh: 0, declined: 0 };
    const fresh = withFreshKeys('k', async () => {
      calls.fresh++;
      throw serverError(false);
    });
    const declined = withFreshKeys('k', async () => {
      calls.declined++;
      throw new Stripe.errors.StripeCardError({ statusCode: 402, message: 'declined' });
    });
    await expect(fresh).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    await expect(declined).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(calls).toEqual({ fresh: 3, declined: 1 });
  });
});

describe('webhook signatures', () => {
  test('the server signs in the format the stripe SDK verifies', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', data: { object: {} } });
    const header = signatureHeader(payload, 'whsec_test', Math.floor(Date.now() / 1000));
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(Stripe.webhooks.constructEvent(payload, header, 'whsec_test', 300).id).toBe('evt_1');
    expect(() => Stripe.webhooks.constructEvent(payload, header, 'whsec_other', 300)).toThrow();
  });

  test('a signature older than the tolerance is refused', () => {
    const payload = '{"id":"evt_2","object":"event"}';
    const header = signatureHeader(payload, 'whsec_test', Math.floor(Date.now() / 1000) - 600);
    expect(() => Stripe.webhooks.constructEvent(payload, header, 'whsec_test', 300)).toThrow();
  });
});

describe('fault injection', () => {
  test('a seeded injector fails about the requested share, half before and half after the work', () => {
    const faults = new FaultInjector(0.3, 42);
    const draws = Array.from({ length: 10_000 }, () => faults.next());
    const before = draws.filter((d) => d === 'before').length;
    const after = draws.filter((d) => d === 'after').length;
    expect((before + after) / draws.length).toBeCloseTo(0.3, 1);
    expect(before / (before + after)).toBeCloseTo(0.5, 1);
  });

  test('a kind given with the rate makes every fault of that kind', () => {
    const faults = new FaultInjector(0);
    faults.setRate(1, 'before');
    expect(new Set(Array.from({ length: 100 }, () => faults.next()))).toEqual(new Set(['before']));
  });

  test('the same seed gives the same faults; rate 0 never fails', () => {
    const sequence = (seed: number) => Array.from({ length: 50 }, ((f) => () => f.next())(new FaultInjector(0.5, seed)));
    expect(sequence(7)).toEqual(sequence(7));
    expect(Array.from({ length: 100 }, () => new FaultInjector(0).next()).every((d) => d === 'none')).toBe(true);
    expect(() => new FaultInjector(1.5)).toThrow(RangeError);
  });
});

describe('Stripe configuration', () => {
  test('STRIPE_API_URL becomes the SDK host, port and protocol', () => {
    expect(endpointOf('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(endpointOf('https://api.stripe.com')).toEqual({ host: 'api.stripe.com', port: 443, protocol: 'https' });
    expect(() => endpointOf('not a url')).toThrow(PaymentProviderMisconfigured);
  });

  test('a Secrets Manager secret is the bare value or JSON with the one field asked for', () => {
    expect(parseSecret('s', '{"secretKey":"sk_test_1"}', 'secretKey')).toBe('sk_test_1');
    expect(parseSecret('s', ' sk_live_2 ', 'secretKey')).toBe('sk_live_2');
    expect(parseSecret('w', '{"webhookSecret":"whsec_1"}', 'webhookSecret')).toBe('whsec_1');
    // The signing secret lives apart: the key's secret does not provide it.
    expect(() => parseSecret('s', '{"secretKey":"sk_test_1"}', 'webhookSecret')).toThrow(PaymentProviderMisconfigured);
  });
});
