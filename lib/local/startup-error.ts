/**
 * Why the local stack cannot start, in one line that says what to do; `npm run dev` prints its
 * message alone, without a stack trace. Anything else that fails at start is a bug and keeps its trace.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
