/**
 * Fault injection: a fraction of API calls fail. Half of those ('before') answer 500 api_error
 * without doing anything, a 500 that Stripe keeps under the Idempotency-Key and replays to every
 * retry with that key; the other half ('after') do the work and then lose the response (the
 * connection drops), the case where only an Idempotency-Key keeps a retry from charging twice.
 */
export type Fault = 'none' | 'before' | 'after';

export class FaultInjector {
  private readonly random: () => number;
  private only: Exclude<Fault, 'none'> | undefined;

  /** `seed` makes the sequence of faults repeatable. */
  constructor(
    private rate: number,
    seed?: number,
  ) {
    this.setRate(rate);
    this.random = seed === undefined ? Math.random : mulberry32(seed);
  }

  /** `only` makes every fault of that kind (tests that need one kind for certain). */
  setRate(rate: number, only?: Exclude<Fault, 'none'>): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`failureRate must be within 0..1, got ${rate}`);
    this.rate = rate;
    this.only = only;
  }

  get failureRate(): number {
    return this.rate;
  }

  /** Draws the fate of one call. */
  next(): Fault {
    if (this.rate === 0) return 'none';
    const draw = this.random();
    if (draw >= this.rate) return 'none';
    return this.only ?? (draw < this.rate / 2 ? 'before' : 'after');
  }
}

/** A tiny seeded PRNG (public domain), enough for repeatable test runs. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
