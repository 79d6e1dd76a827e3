/**
 * Round trips, from what the call recorder saw: per invocation, how many store calls it made
 * and the longest chain of them that ran one after another (a call that starts before another
 * ends runs beside it, in parallel). The same shapes drive the floor replay and the AWS model.
 */
import type { RecordedCall, Recording } from '../../../lib/local/call-recorder';
import { mean } from './stats';

/** A finished call, as the shapes below need it. */
export type Call = Required<Pick<RecordedCall, 'service' | 'operation' | 'start' | 'end'>> & Pick<RecordedCall, 'request' | 'status'>;

/** One invocation's calls in sequential groups: each group's calls ran side by side. */
export interface InvocationShape {
  readonly function: string;
  readonly durationMs: number;
  readonly groups: Call[][];
}

export interface FunctionTrips {
  readonly function: string;
  readonly invocations: number;
  /** Mean DynamoDB calls per invocation, and the mean and longest chain of sequential ones. */
  readonly storeCalls: number;
  readonly storeChain: number;
  readonly storeChainMax: number;
  /** Mean calls to the other engines (Step Functions, SQS, Stripe) per invocation. */
  readonly otherCalls: number;
  /** Mean calls per invocation by `service operation`, e.g. `dynamodb GetItem`. */
  readonly byOperation: Record<string, number>;
}

/** Each finished invocation of `functions` with its finished calls, grouped. */
export function shapesOf(recording: Recording, functions?: ReadonlySet<string>): InvocationShape[] {
  const callsOf = new Map<string, Call[]>();
  for (const call of recording.calls) {
    if (call.end === undefined) continue;
    const list = callsOf.get(call.invocation) ?? [];
    list.push(call as Call);
    callsOf.set(call.invocation, list);
  }
  return recording.invocations
    .filter((inv) => inv.end !== undefined && !inv.failed && (!functions || functions.has(inv.function)))
    .map((inv) => ({ function: inv.function, durationMs: inv.end! - inv.start, groups: sequentialGroups(callsOf.get(inv.id) ?? []) }));
}

/** Calls in start order; a call joins the current group when it starts before the group's first end. */
export function sequentialGroups(calls: readonly Call[]): Call[][] {
  const groups: Call[][] = [];
  let groupEnd = -Infinity;
  for (const call of [...calls].sort((a, b) => a.start - b.start)) {
    const current = groups[groups.length - 1];
    if (current && call.start < groupEnd) {
      current.push(call);
      groupEnd = Math.min(groupEnd, call.end);
    } else {
      groups.push([call]);
      groupEnd = call.end;
    }
  }
  return groups;
}

/** The longest chain of calls where each starts after the previous one ended. */
export function longestChain(calls: readonly Call[]): number {
  const byEnd = [...calls].sort((a, b) => a.end - b.end);
  const chain: number[] = [];
  for (const [i, call] of byEnd.entries()) {
    let best = 0;
    for (let j = 0; j < i; j++) if (byEnd[j]!.end <= call.start) best = Math.max(best, chain[j]!);
    chain.push(best + 1);
  }
  return Math.max(0, ...chain);
}

export function tripsOf(shapes: readonly InvocationShape[], fn: string): FunctionTrips {
  const mine = shapes.filter((s) => s.function === fn);
  const store = mine.map((s) => s.groups.flat().filter((c) => c.service === 'dynamodb'));
  const byOperation: Record<string, number> = {};
  for (const call of mine.flatMap((s) => s.groups.flat())) byOperation[`${call.service} ${call.operation}`] = (byOperation[`${call.service} ${call.operation}`] ?? 0) + 1 / mine.length;
  const chains = store.map(longestChain);
  return {
    function: fn,
    invocations: mine.length,
    storeCalls: mean(store.map((calls) => calls.length)),
    storeChain: mean(chains),
    storeChainMax: Math.max(0, ...chains),
    otherCalls: mean(mine.map((s) => s.groups.flat().filter((c) => c.service !== 'dynamodb').length)),
    byOperation,
  };
}
