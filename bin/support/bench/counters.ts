/**
 * What a bench run counted, per function, as the cost projection needs it: invocations and their
 * billed time (Lambda rounds each up to the millisecond), the CPU the stack's process spent meanwhile,
 * the records of the batches (stream and SQS events), DynamoDB capacity units (what the
 * engine reported with ReturnConsumedCapacity; a write refused by its condition reports none but
 * is billed 1 WRU on AWS, so those are counted apart), and the calls to the other services.
 */
import type { RecordedInvocation, Recording } from '../../../lib/local/call-recorder';

export interface FunctionCounters {
  invocations: number;
  billedMs: number;
  cpuMs: number;
  /** Records in the events of batch consumers (stream, SQS); 0 for the others. */
  records: number;
  rru: number;
  wru: number;
  refusedWrites: number;
  /** Write units by operation and where they were spent, e.g. 'TransactWriteItems gsi1': 120 (and 'TransactWriteItems table'). */
  wruBy: Record<string, number>;
  calls: Record<string, number>;
}

export type Counters = Record<string, FunctionCounters>;

export function emptyCounters(): FunctionCounters {
  return { invocations: 0, billedMs: 0, cpuMs: 0, records: 0, rru: 0, wru: 0, refusedWrites: 0, wruBy: {}, calls: {} };
}

/** The two counts of one function added up (e.g. the mix's and the lifecycle's). */
export function mergeCounters(a: FunctionCounters | undefined, b: FunctionCounters): FunctionCounters {
  if (!a) return b;
  const sumOf = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [name, n] of Object.entries(y)) add(out, name, n);
    return out;
  };
  return {
    invocations: a.invocations + b.invocations,
    billedMs: a.billedMs + b.billedMs,
    cpuMs: a.cpuMs + b.cpuMs,
    records: a.records + b.records,
    rru: a.rru + b.rru,
    wru: a.wru + b.wru,
    refusedWrites: a.refusedWrites + b.refusedWrites,
    wruBy: sumOf(a.wruBy, b.wruBy),
    calls: sumOf(a.calls, b.calls),
  };
}

const WRITES = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;

export function addRecording(counters: Counters, recording: Recording): Counters {
  // Only finished invocations count, and only their calls: one still running at the drain has no duration yet.
  const finished = recording.invocations.filter((inv): inv is RecordedInvocation & { end: number } => inv.end !== undefined);
  const functionOf = new Map(finished.map((inv) => [inv.id, inv.function]));
  const entry = (fn: string) => (counters[fn] ??= emptyCounters());
  for (const inv of finished) {
    const c = entry(inv.function);
    c.invocations++;
    c.billedMs += Math.max(1, Math.ceil(inv.end - inv.start));
    c.cpuMs += inv.cpuMs ?? 0;
    c.records += inv.records ?? 0;
  }
  for (const call of recording.calls) {
    const fn = functionOf.get(call.invocation);
    if (!fn || call.end === undefined) continue;
    const c = entry(fn);
    const name = `${call.service} ${call.operation}`;
    add(c.calls, name, 1);
    if (call.capacity) {
      c.rru += call.capacity.read;
      c.wru += call.capacity.write;
      if (call.capacity.write) for (const [where, units] of Object.entries(call.capacity.byIndex ?? {})) add(c.wruBy, `${call.operation} ${where}`, units);
    } else if (call.service === 'dynamodb' && WRITES.test(call.operation) && call.status === 400) {
      c.refusedWrites++;
    }
  }
  return counters;
}

function add(into: Record<string, number>, name: string, n: number) {
  into[name] = (into[name] ?? 0) + n;
}
