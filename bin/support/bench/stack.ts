/**
 * The stack a bench runs against: bin/dev.ts as a child process in a temp DATA_DIR (as the
 * integration tests start it), with the stage throttle lifted, the catalog cache as on AWS, the
 * call recorder on (lib/local/call-recorder.ts) and the handlers logging at INFO, Powertools'
 * default on AWS, so the log bytes a deployed stage would ingest can be counted. It also reads the
 * CPU time the stack's process tree (Node and the DynamoDB Local JVM) used, from /proc.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { CATALOG_CACHE_SECONDS_ON_AWS } from '../../../functions/shared/env';
import { ENV } from '../../../lib/env-names';
import type { Recording } from '../../../lib/local/call-recorder';
import { startStackProcess, type StackProcess } from '../stack-process';

export interface BenchStack {
  readonly process: StackProcess;
  readonly url: string;
  /** The DynamoDB endpoint the handlers use (the recorder's proxy). */
  readonly dynamodb: string;
  /** CPU seconds the stack's process tree has used so far, and the DynamoDB Local JVM's share of them. */
  cpuSeconds(): CpuSeconds;
  /** Bytes of structured (JSON) log lines the stack's handlers wrote so far. */
  logBytes(): number;
  /** Everything recorded since the last drain (and forgets it). */
  drain(): Promise<Recording>;
  dispose(): Promise<void>;
}

export interface CpuSeconds {
  readonly total: number;
  readonly jvm: number;
}

export async function startBenchStack(): Promise<BenchStack> {
  const stack = await startStackProcess({
    env: {
      SEED_DEMO: 'false',
      LOG_REQUESTS: 'false',
      RECORD_CALLS: 'true',
      LOCAL_THROTTLE: 'off',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      // The catalog cache as a deployed stage has it (the local stack turns it off for the tests).
      [ENV.catalogCacheSeconds]: process.env[ENV.catalogCacheSeconds] ?? String(CATALOG_CACHE_SECONDS_ON_AWS),
    },
  });
  let logBytes = 0;
  const countLogLines = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('{')) logBytes += Buffer.byteLength(line) + 1;
  };
  stack.child.stdout!.on('data', countLogLines);
  stack.child.stderr!.on('data', countLogLines);
  const dynamodb = stack.engines.dynamodb!;
  const ticks = clockTicks();
  return {
    process: stack,
    url: stack.url,
    dynamodb,
    cpuSeconds: () => {
      const used = treeCpuTicks(stack.child.pid!);
      return { total: used.total / ticks, jvm: used.jvm / ticks };
    },
    logBytes: () => logBytes,
    drain: async () => (await (await fetch(`${dynamodb}/_local/calls`)).json()) as Recording,
    dispose: async () => {
      await stack.stop('SIGTERM');
      rmSync(stack.dataDir, { recursive: true, force: true });
    },
  };
}

/** utime + stime of `root` and every process below it, in clock ticks, and of the java processes among them. */
function treeCpuTicks(root: number): { total: number; jvm: number } {
  const stats = new Map<number, { parent: number; ticks: number; java: boolean }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces): state ppid … utime(14) stime(15).
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      const java = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')) === 'java';
      stats.set(Number(entry), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), java });
    } catch {
      // the process ended while we looked
    }
  }
  const inTree = (pid: number): boolean => pid === root || (pid > 1 && stats.has(pid) && inTree(stats.get(pid)!.parent));
  const used = { total: 0, jvm: 0 };
  for (const [pid, stat] of stats) {
    if (!inTree(pid)) continue;
    used.total += stat.ticks;
    if (stat.java) used.jvm += stat.ticks;
  }
  return used;
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}
