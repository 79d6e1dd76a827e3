/**
 * The soak's HTTP client: what a careful API consumer does against a stack that times out,
 * throttles, answers 5xx and disappears (SIGKILL) for a while. Every mutation carries one
 * Idempotency-Key for all its attempts, so a retry after a lost answer can never apply it twice;
 * the client retries on connection errors, timeouts, 5xx, 429 (after Retry-After) and 409
 * IDEMPOTENCY_IN_PROGRESS (the first attempt may still hold the key: after a crash, for up to
 * the key's lock time). A share of answers is dropped on purpose, as if the client had timed out
 * just before it arrived, so the replay of a finished request is exercised too. It gives up on an operation only at its deadline, and says so: the
 * operation's outcome is then unknown ("in doubt"), which the checks account for.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadIdentity, localIssuer } from '../../../lib/local/identity';

/** One attempt's limit: longer than any healthy request, short enough to notice a dead stack. */
const ATTEMPT_TIMEOUT_MS = 15_000;

export type RetryReason = 'connection' | 'timeout' | 'lost answer' | '5xx' | '429' | 'in-progress';

export interface SoakStats {
  requests: number;
  attempts: number;
  replayed: number;
  gaveUp: number;
  readonly retries: Record<RetryReason, number>;
  readonly statuses: Record<string, number>;
}

export type Answer<T = any> =
  | { readonly status: number; readonly body: T; readonly replayed: boolean }
  | { readonly status: 'unknown'; readonly body?: undefined; readonly replayed: false };

export interface RequestOptions {
  readonly token: string;
  readonly body?: unknown;
  /** The Idempotency-Key of a mutation; a fresh one when omitted. */
  readonly key?: string;
  /** Give up (outcome unknown) after this moment; default: 120 s from now. */
  readonly deadline?: number;
}

export interface SoakClient {
  readonly stats: SoakStats;
  request<T = any>(method: string, path: string, options: RequestOptions): Promise<Answer<T>>;
  token(sub: string, admin?: boolean): Promise<string>;
}

/** `lostAnswerRate`: the share of mutation answers dropped on purpose, as a client timeout would, and retried. */
export function soakClient(url: string, dataDir: string, lostAnswerRate = 0): SoakClient {
  const identity = loadIdentity(dataDir, localIssuer(Number(new URL(url).port)));
  const stats: SoakStats = {
    requests: 0,
    attempts: 0,
    replayed: 0,
    gaveUp: 0,
    retries: { connection: 0, timeout: 0, 'lost answer': 0, '5xx': 0, '429': 0, 'in-progress': 0 },
    statuses: {},
  };

  // Counted, not drawn: every 1/rate-th mutation answer is lost, so even a short run loses some.
  let answers = 0;
  const loseThisAnswer = () => {
    answers++;
    return Math.floor(answers * lostAnswerRate) > Math.floor((answers - 1) * lostAnswerRate);
  };

  const request = async <T>(method: string, path: string, options: RequestOptions): Promise<Answer<T>> => {
    stats.requests++;
    const mutating = method !== 'GET';
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
    if (mutating) headers['idempotency-key'] = options.key ?? randomUUID();
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const deadline = options.deadline ?? Date.now() + 120_000;
    for (let attempt = 1; ; attempt++) {
      stats.attempts++;
      let outcome = await attemptOnce(`${url}${path}`, { method, headers, body });
      if ('answer' in outcome && mutating && loseThisAnswer()) outcome = { retry: 'lost answer', waitMs: 100 };
      if ('answer' in outcome) {
        stats.statuses[outcome.answer.status] = (stats.statuses[outcome.answer.status] ?? 0) + 1;
        if (outcome.answer.replayed) stats.replayed++;
        return outcome.answer as Answer<T>;
      }
      stats.retries[outcome.retry]++;
      if (Date.now() + outcome.waitMs > deadline) {
        stats.gaveUp++;
        return { status: 'unknown', replayed: false };
      }
      await sleep(outcome.waitMs * (0.5 + Math.random()));
    }
  };

  return {
    stats,
    request,
    token: async (sub, admin = false) => (await identity).sign({ sub, admin }),
  };
}

type Attempt = { answer: { status: number; body: unknown; replayed: boolean } } | { retry: RetryReason; waitMs: number };

async function attemptOnce(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Attempt> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
    text = await response.text();
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return timedOut ? { retry: 'timeout', waitMs: 200 } : { retry: 'connection', waitMs: 500 };
  }
  if (response.status >= 500) return { retry: '5xx', waitMs: 300 };
  const body = text ? (JSON.parse(text) as { error?: { code?: string } }) : undefined;
  if (response.status === 429) return { retry: '429', waitMs: 1000 * Number(response.headers.get('retry-after') ?? 1) };
  if (response.status === 409 && body?.error?.code === 'IDEMPOTENCY_IN_PROGRESS') return { retry: 'in-progress', waitMs: 1000 };
  return { answer: { status: response.status, body, replayed: response.headers.get('idempotent-replayed') === 'true' } };
}
