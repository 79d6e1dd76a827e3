import { resolveSettings } from '../../lib/settings';
import { apiClient } from './support/api';

const api = apiClient();
const { rateLimit, burstLimit } = resolveSettings('dev').throttle;

describe('stage throttling on the local stack', () => {
  it('answers a client that exceeds the burst with 429 and Retry-After, and leaves other clients alone', async () => {
    const greedy = await api.customerToken();
    const calm = await api.customerToken();

    const answers = await Promise.all(
      Array.from({ length: burstLimit + rateLimit }, () => api.get('/health', { token: greedy })),
    );
    const refused = answers.filter((r) => r.status === 429);
    const other = await api.get('/health', { token: calm });

    expect(refused.length).toBeGreaterThan(0);
    expect(answers.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(burstLimit);
    expect(refused[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused[0]!.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(other.status).toBe(200);
  });
});
