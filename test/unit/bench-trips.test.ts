/** The round-trip counting of `npm run bench` (bin/support/bench/trips.ts): what runs in sequence, what beside. */
import { longestChain, sequentialGroups, type Call } from '../../bin/support/bench/trips';

const call = (operation: string, start: number, end: number): Call => ({ service: 'dynamodb', operation, start, end });

describe('round trips', () => {
  it('counts calls that overlap as one step of the chain and calls one after another as steps', () => {
    // Prepare: a GetItem, then a Query and a BatchGet side by side, then a write
    const calls = [call('UpdateItem', 30, 40), call('Query', 12, 20), call('GetItem', 0, 10), call('BatchGetItem', 11, 25)];

    // Act
    const groups = sequentialGroups(calls);

    // Assess
    expect(groups.map((g) => g.map((c) => c.operation))).toEqual([['GetItem'], ['BatchGetItem', 'Query'], ['UpdateItem']]);
    expect(longestChain(calls)).toBe(3);
  });

  it('finds no chain in an invocation without store calls', () => {
    expect(longestChain([])).toBe(0);
    expect(sequentialGroups([])).toEqual([]);
  });
});
