import { startStackProcess } from '../../../bin/support/stack-process';

/** One local stack for the whole integration run; tests find it through CROWDSTART_* variables. */
export default async function globalSetup() {
  const stack = await startStackProcess();
  process.env.CROWDSTART_URL = stack.url;
  process.env.CROWDSTART_DATA_DIR = stack.dataDir;
  for (const [name, url] of Object.entries(stack.engines)) process.env[`CROWDSTART_${name.toUpperCase()}_URL`] = url;
  (globalThis as { crowdstartStack?: unknown }).crowdstartStack = stack;
}
