import { tokenBuckets } from '../../lib/local/throttle';

const settings = { rateLimit: 20, burstLimit: 40 };

describe('the local throttle buckets', () => {
  it('keep at most maxClients buckets however many clients pass by', () => {
    // Prepare
    const buckets = tokenBuckets(settings, 100);

    // Act
    for (let i = 0; i < 10_000; i++) buckets.take(`ip:10.0.${i >> 8}.${i & 255}`, 0);

    // Assess
    expect(buckets.size).toBe(100);
  });

  it('keep a drained client drained while others come and go', () => {
    // Prepare
    const buckets = tokenBuckets(settings, 100);
    for (let i = 0; i < settings.burstLimit; i++) buckets.take('sub:greedy', 0);

    // Act
    for (let i = 0; i < 1_000; i++) {
      buckets.take(`sub:passer-by-${i}`, 0);
      if (i % 50 === 0) buckets.take('sub:greedy', 0);
    }

    // Assess
    expect(buckets.take('sub:greedy', 0)).toBeGreaterThan(0);
  });

  it('refill at the rate up to the burst', () => {
    // Prepare
    const buckets = tokenBuckets(settings, 100);
    for (let i = 0; i < settings.burstLimit; i++) buckets.take('sub:a', 0);

    // Act
    const drained = buckets.take('sub:a', 0);
    const halfSecondLater = Array.from({ length: 11 }, () => buckets.take('sub:a', 500));

    // Assess
    expect(drained).toBe(1);
    expect(halfSecondLater.filter((r) => r === 0)).toHaveLength(settings.rateLimit / 2);
  });
});
