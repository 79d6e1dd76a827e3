import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export interface StackProcess {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** The engines' endpoints from the ready banner's `engines` line, e.g. `{ sqs, sfn, stripe, dynamodb }`. */
  readonly engines: Record<string, string>;
  /** SIGTERM stops cleanly; SIGKILL simulates a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export const newDataDir = () => mkdtempSync(join(tmpdir(), 'crowdstart-test-'));

/**
 * Starts `bin/dev.ts` (the very stack `npm run dev` runs) as a child process on a free port and
 * waits for its ready line. Tests talk to it over HTTP only.
 */
export function startStackProcess(options: { dataDir?: string; port?: number; env?: Record<string, string> } = {}) {
  const dataDir = options.dataDir ?? newDataDir();
  const child = spawnDev(dataDir, options);
  return new Promise<StackProcess>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`stack did not start in 120 s:\n${output}`)), 120_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      killGroup(child, 'SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready: (http:\/\/\S+)/.exec(output);
      if (!ready) return;
      // The banner's `engines` line follows the ready line; wait for the banner's end if it is split.
      const engineLine = /\n\s*engines\s+(.*)\n/.exec(output.slice(ready.index));
      if (!engineLine && !output.includes('Press Ctrl-C')) return;
      clearTimeout(timer);
      const url = ready[1]!;
      const engines = Object.fromEntries((engineLine?.[1] ?? '').split(/\s+/).filter(Boolean).map((pair) => pair.split('=', 2) as [string, string]));
      resolve({ url, port: Number(new URL(url).port), dataDir, child, engines, stop: (signal) => stopChild(child, signal) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (process.env.STACK_LOGS) process.stderr.write(chunk);
    });
    child.once('exit', (code) => fail(new Error(`stack exited with ${code} before it was ready:\n${output}`)));
  });
}

/**
 * Runs a start of `bin/dev.ts` that is expected to give up; resolves with its exit code and
 * output. One still running after `timeoutMs` is killed with its engines (code null).
 */
export function startStackExpectingExit(options: { dataDir: string; port?: number; env?: Record<string, string> }, timeoutMs = 60_000) {
  const child = spawnDev(options.dataDir, options);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

function spawnDev(dataDir: string, options: { port?: number; env?: Record<string, string> }): ChildProcess {
  // Node 24 from the `node` dev dependency, whatever node runs jest: the stack runs on the Lambda's Node.
  return spawn(join(ROOT, 'node_modules', '.bin', 'node'), ['--import', 'tsx', join(ROOT, 'bin', 'dev.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(options.port ?? 0),
      DATA_DIR: dataDir,
      LOG_REQUESTS: 'false',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a SIGKILL takes its engines (the DynamoDB Local JVM) down with it.
    detached: true,
  });
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(); // already gone
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    if (signal === 'SIGKILL') killGroup(child, signal);
    else child.kill(signal);
  });
}

/** A crash takes the whole process group: the stack and the engines it started. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal); // the group is already gone
  }
}
