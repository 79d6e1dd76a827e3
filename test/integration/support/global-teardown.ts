import { rmSync } from 'node:fs';
import type { StackProcess } from '../../../bin/support/stack-process';

export default async function globalTeardown() {
  const stack = (globalThis as { crowdstartStack?: StackProcess }).crowdstartStack;
  if (!stack) return;
  await stack.stop('SIGTERM');
  rmSync(stack.dataDir, { recursive: true, force: true });
}
