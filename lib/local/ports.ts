import { createServer, type Server } from 'node:net';
import { StartupError } from './startup-error';

/** Asks the OS for a free TCP port on loopback, so two local stacks never clash. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `probe` until it resolves, or throws the last error after `timeoutMs` (or once `signal` aborts). */
export async function waitFor<T>(what: string, probe: () => Promise<T>, timeoutMs = 60_000, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline && !signal?.aborted) {
    try {
      return await probe();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`Timed out waiting for ${what}`, { cause: lastError });
}

/** Listens on `port` on every interface; a port that is taken or forbidden is a StartupError saying what to do. */
export function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException) => reject(portError(error, port));
    server.once('error', refused);
    server.listen(port, '0.0.0.0', () => {
      server.off('error', refused);
      resolve();
    });
  });
}

/** Fails as {@link listen} would, before any engine starts, so a busy port costs a second and touches nothing. */
export async function ensurePortFree(port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await listen(probe, port);
  await new Promise((closed) => probe.close(closed));
}

function portError(error: NodeJS.ErrnoException, port: number): Error {
  const fix = 'or set another PORT (PORT=0 takes a free one)';
  if (error.code === 'EADDRINUSE') return new StartupError(`port ${port} is in use: stop what listens there (lsof -i :${port}), ${fix}.`);
  if (error.code === 'EACCES') return new StartupError(`port ${port} needs privileges this user lacks: ${fix}.`);
  return error;
}
