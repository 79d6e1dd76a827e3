import { randomBytes } from 'node:crypto';

/**
 * Task tokens and the in-memory wake-ups of the callback pattern. The durable half lives in the
 * execution record (`pendingTasks`): SendTaskSuccess/Failure/Heartbeat write there first, then
 * `notify` wakes the task state waiting on that token, if one is running in this process.
 */

export interface TokenRef {
  readonly executionArn: string;
  readonly stateName: string;
}

/** An opaque token that still tells which execution and state it belongs to (AWS's do too). */
export function issueToken(ref: TokenRef): string {
  const payload = { e: ref.executionArn, s: ref.stateName, n: randomBytes(12).toString('hex') };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** The execution and state of a token, or undefined when it is not one of ours (InvalidToken). */
export function decodeToken(token: string): TokenRef | undefined {
  if (token.length === 0 || token.length > 1024) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null) return undefined;
    const { e, s, n } = payload as Record<string, unknown>;
    if (typeof e !== 'string' || typeof s !== 'string' || typeof n !== 'string') return undefined;
    return { executionArn: e, stateName: s };
  } catch {
    return undefined;
  }
}

export class CallbackRegistry {
  private readonly listeners = new Map<string, Set<() => void>>();

  /** Resolves on the next `notify(token)` or when `signal` aborts. */
  changed(token: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.listeners.get(token) ?? new Set<() => void>();
      this.listeners.set(token, set);
      const done = () => {
        set.delete(done);
        if (set.size === 0) this.listeners.delete(token);
        signal.removeEventListener('abort', done);
        resolve();
      };
      set.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes whoever waits on `token`: its pending task was settled or heartbeated. */
  notify(token: string): void {
    for (const listener of [...(this.listeners.get(token) ?? [])]) listener();
  }
}
