import { awsHoldsPerSecond } from '../../bin/support/flash/bench';

describe('the AWS capacity model of one SKU', () => {
  it('caps an unsharded SKU at one stock record: ~500 holds a second', () => {
    expect(awsHoldsPerSecond(1)).toEqual({ holdsPerSecond: 500, bound: expect.stringContaining('stock record') });
  });

  it('reaches 5,000 holds a second on paper with 16 shards, then the VARIANT read binds', () => {
    expect(awsHoldsPerSecond(10).holdsPerSecond).toBe(5_000);
    expect(awsHoldsPerSecond(16)).toEqual({ holdsPerSecond: 6_000, bound: expect.stringContaining('VARIANT') });
  });
});
