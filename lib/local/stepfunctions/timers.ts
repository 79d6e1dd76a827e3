/** setTimeout fires at once past this delay (~24.8 days), so longer waits are chunked. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Resolves at `deadline` (epoch ms) or as soon as `signal` aborts, leaving no timer behind. */
export async function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return;
    await sleep(Math.min(remaining, MAX_TIMER_MS), signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
