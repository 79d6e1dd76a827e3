/**
 * The stack a soak runs against: bin/dev.ts as a child process (startStackProcess) in a temp
 * DATA_DIR, with the fault settings in its environment. A crash is a SIGKILL of its whole process
 * group; the restart uses the same DATA_DIR and the same HTTP port, so clients (and their tokens,
 * whose issuer names the port) carry on once it answers again. The engines take new ports on
 * every start, so their endpoints are read from the current process.
 */
import { rmSync } from 'node:fs';
import { startStackProcess, type StackProcess } from '../stack-process';

export interface SoakStack {
  readonly url: string;
  readonly dataDir: string;
  /** The environment every start of the stack gets (the fault settings among it). */
  readonly env: Readonly<Record<string, string>>;
  /** The current process's engine endpoints (they move on every restart). */
  engines(): Record<string, string>;
  /** SIGKILL, then start again on the same data; resolves once the new stack is ready. */
  crashAndRestart(): Promise<{ downMs: number }>;
  /** SIGTERM and remove the data directory. */
  dispose(): Promise<void>;
}

export async function startSoakStack(env: Record<string, string>): Promise<SoakStack> {
  let current: StackProcess = await startStackProcess({ env });
  const { url, dataDir, port } = current;
  return {
    url,
    dataDir,
    env,
    engines: () => current.engines,
    crashAndRestart: async () => {
      const started = Date.now();
      await current.stop('SIGKILL');
      current = await restart(dataDir, port, env);
      return { downMs: Date.now() - started };
    },
    dispose: async () => {
      await current.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The port can stay taken for a moment after the kill; try a few times. */
async function restart(dataDir: string, port: number, env: Record<string, string>): Promise<StackProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackProcess({ dataDir, port, env });
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
