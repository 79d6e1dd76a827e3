import { startStackProcess } from './stack-process';

/** One local stack for the whole integration run; tests find it through CROWDSTART_* variables. */
export default async function globalSetup() {
  const stack = await startStackProcess();
  process.env.CROWDSTART_URL = stack.url;
  process.env.CROWDSTART_DATA_DIR = stack.dataDir;
  (globalThis as { crowdstartStack?: unknown }).crowdstartStack = stack;
}
