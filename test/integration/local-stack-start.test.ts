/**
 * How `npm run dev` starts and refuses: one stack per DATA_DIR, one clear line (never a stack
 * trace) for a busy port or a missing Java, no JVM left behind by a crashed stack, and a
 * /health that notices a dead table. Runs stacks of its own, since it kills their parts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { newDataDir, startStackExpectingExit, startStackProcess, type StackProcess } from '../../bin/support/stack-process';

const TEST_TIMEOUT_MS = 240_000;
const STACK_TRACE = /^\s+at /m;

/** The DynamoDB Local JVM a stack recorded under its DATA_DIR. */
const jvmOf = (dataDir: string) => (JSON.parse(readFileSync(join(dataDir, 'dynamodb', 'java.pid'), 'utf8')) as { java: number }).java;

/** Alive and not a zombie (an orphan's exit may wait for a reaper that never comes in a container). */
function isRunning(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('Z');
  } catch {
    return false; // ps exits 1 when there is no such process
  }
}

/** Every live DynamoDB Local JVM on `dataDir`'s database. */
function jvmsOn(dataDir: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat, ...args]) => !stat?.startsWith('Z') && args.join(' ').includes(`DynamoDBLocal.jar -dbPath ${join(dataDir, 'dynamodb')}`))
    .map(([pid]) => Number(pid));
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('starting the local stack', () => {
  const stacks: StackProcess[] = [];
  const dirs: string[] = [];
  let first: StackProcess;

  beforeAll(async () => {
    first = await startStackProcess({ env: { SEED_DEMO: 'false' } });
    stacks.push(first);
    dirs.push(first.dataDir);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    for (const stack of stacks) await stack.stop('SIGTERM');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses a second stack on the same DATA_DIR with one line and leaves the first one serving', async () => {
    // Prepare
    const firstJvm = jvmOf(first.dataDir);

    // Act
    const second = await startStackExpectingExit({ dataDir: first.dataDir });
    const health = await fetch(`${first.url}/health`);
    const products = await fetch(`${first.url}/products`);

    // Assess
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(`DATA_DIR ${first.dataDir} is in use by the Crowdstart stack with pid ${first.child.pid}`);
    expect(second.output).not.toMatch(STACK_TRACE);
    expect(jvmsOn(first.dataDir)).toEqual([firstJvm]);
    expect(health.status).toBe(200);
    expect(products.status).toBe(200);
  }, TEST_TIMEOUT_MS);

  it('says in one line that the port is busy, and exits non-zero', async () => {
    // Prepare
    const dataDir = newDataDir();
    dirs.push(dataDir);

    // Act
    const busy = await startStackExpectingExit({ dataDir, port: first.port });

    // Assess
    expect(busy.code).not.toBe(0);
    expect(busy.output).toContain(`port ${first.port} is in use`);
    expect(busy.output).not.toMatch(STACK_TRACE);
    expect(jvmsOn(dataDir)).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it('says in one line that Java 17 is needed and how to install it', async () => {
    // Prepare
    const dataDir = newDataDir();
    const noJava = mkdtempSync(join(tmpdir(), 'crowdstart-no-java-'));
    dirs.push(dataDir, noJava);

    // Act
    const started = await startStackExpectingExit({ dataDir, env: { PATH: noJava, JAVA_HOME: noJava } });

    // Assess
    expect(started.code).not.toBe(0);
    expect(started.output).toContain('Java 17 is needed');
    expect(started.output).toContain('apt-get install openjdk-17-jre-headless');
    expect(started.output).not.toMatch(STACK_TRACE);
  }, TEST_TIMEOUT_MS);

  it('leaves one JVM on the data, the new one, when a SIGKILLed stack starts again', async () => {
    // Prepare: kill the stack's own process only, as `kill -9 <pid>` would, orphaning its JVM
    process.kill(first.child.pid!, 'SIGKILL');
    await first.stop();
    stacks.splice(stacks.indexOf(first), 1);

    // Act
    const next = await startStackProcess({ dataDir: first.dataDir, env: { SEED_DEMO: 'false' } });
    stacks.push(next);

    // Assess
    expect(jvmsOn(first.dataDir)).toEqual([jvmOf(first.dataDir)]);
    expect((await fetch(`${next.url}/products`)).status).toBe(200);
  }, TEST_TIMEOUT_MS);

  it('answers /health 503 naming the failing check once its table is gone', async () => {
    // Prepare
    const stack = stacks.at(-1)!;
    const before = await fetch(`${stack.url}/health`);
    const jvm = jvmOf(stack.dataDir);

    // Act
    process.kill(jvm, 'SIGKILL');
    await until('the JVM to die', () => !isRunning(jvm));
    const after = await fetch(`${stack.url}/health`);

    // Assess
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({ status: 'ok', checks: { dynamodb: 'ok' } });
    expect(after.status).toBe(503);
    expect(await after.json()).toEqual({ status: 'unavailable', checks: { dynamodb: 'unavailable' } });
  }, TEST_TIMEOUT_MS);
});
