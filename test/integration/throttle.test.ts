import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { resolveSettings } from '../../lib/settings';
import { apiClient } from '../../bin/support/api';

const api = apiClient();
const { rateLimit, burstLimit } = resolveSettings('dev').throttle;

/** A JWT-shaped token naming `sub`, with a signature no issuer made. */
const forgedToken = (sub: string) =>
  [{ alg: 'RS256', typ: 'JWT' }, { sub, aud: 'crowdstart' }, 'forged']
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.');

/** Answered right behind the throttle, without a Lambda, so a flood is cheap even on a busy machine. */
const CHEAP = '/auth/.well-known/jwks.json';

/**
 * GET from another loopback source address (127.0.0.0/8 is all local on Linux), so a flood has
 * its own address bucket and never throttles the other test files' anonymous calls.
 */
function getFrom(localAddress: string, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, api.url);
    const req = request(url, { localAddress, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('stage throttling on the local stack', () => {
  it('answers a client that exceeds the burst with 429 and Retry-After, and leaves other clients alone', async () => {
    const greedy = await api.customerToken();
    const calm = await api.customerToken();

    const answers = await Promise.all(
      Array.from({ length: burstLimit + rateLimit }, () => api.get(CHEAP, { token: greedy })),
    );
    const refused = answers.filter((r) => r.status === 429);
    const other = await api.get(CHEAP, { token: calm });

    expect(refused.length).toBeGreaterThan(0);
    expect(answers.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(burstLimit);
    expect(refused[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused[0]!.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(other.status).toBe(200);
  }, 30_000);

  it('never throttles a client because of a flood of forged tokens naming its subject', async () => {
    // Prepare
    const victim = `customer-${randomUUID()}`;
    const victimToken = await api.token(victim);
    const forged = forgedToken(victim);

    // Act
    await Promise.all(Array.from({ length: 2 * burstLimit }, () => getFrom('127.0.0.2', CHEAP, forged)));
    const victimAnswers = await Promise.all(Array.from({ length: burstLimit / 2 }, () => api.get(CHEAP, { token: victimToken })));

    // Assess
    expect(victimAnswers.map((r) => r.status)).toEqual(victimAnswers.map(() => 200));
  }, 30_000);

  it('throttles a flood of forged tokens with random subjects by its source address', async () => {
    // Act
    const statuses = await Promise.all(
      Array.from({ length: 4 * burstLimit }, () => getFrom('127.0.0.3', CHEAP, forgedToken(randomUUID()))),
    );

    // Assess
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  }, 30_000);
});
