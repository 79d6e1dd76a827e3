/**
 * `npm run dev`: the whole Crowdstart system on this machine, with a demo store on first start.
 * Settings: PORT (default 3000; 0 takes a free port), DATA_DIR (default .data/), SEED_DEMO
 * (default true), LOG_REQUESTS (default true). Ctrl-C stops every engine; data stays on disk.
 */
import { runAuditJobs, RUN_AUDIT_SIGNAL } from '../lib/local/audit-jobs';
import { seedDemoStore } from '../lib/local/seed';
import { startLocalStack } from '../lib/local/stack';
import { StartupError } from '../lib/local/startup-error';

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.DATA_DIR ?? '.data';
const seed = process.env.SEED_DEMO !== 'false';

console.log(`Starting Crowdstart (data in ${dataDir}) …`);
const stack = await startLocalStack({
  port,
  dataDir,
  logRequests: process.env.LOG_REQUESTS !== 'false',
  onReady: async (s) => {
    if (seed) await seedDemoStore(s, (line) => console.log(line));
  },
}).catch((error: unknown) => {
  // What the user can fix is one line saying how; anything else is a bug and keeps its trace.
  console.error(error instanceof StartupError ? `Crowdstart cannot start: ${error.message}` : error);
  process.exit(1);
});

console.log(`
Crowdstart local stack ready: ${stack.url}
  engines      ${engineEndpoints()}
  catalog      curl ${stack.url}/products
  search       curl '${stack.url}/search?q=shirt'
  admin token  npm run token -- --sub ops --admin
  customer     npm run token -- --sub alice
  example      curl -X POST ${stack.url}/admin/products -H "authorization: Bearer $(npm run -s token -- --sub ops --admin | tail -1)" \\
                 -H 'content-type: application/json' -d '{"name":"Mug","description":"Stoneware","tags":["kitchen"],"images":[],"variants":[{"sku":"MUG-1","name":"Mug","options":{},"price":{"amount":1200,"currency":"USD"}}]}'
Press Ctrl-C to stop.`);

/** The engines' own endpoints (for inspection with the AWS and Stripe SDKs), from the env the stack set. */
function engineEndpoints(): string {
  const engines = {
    dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    sqs: process.env.AWS_ENDPOINT_URL_SQS,
    sfn: process.env.AWS_ENDPOINT_URL_SFN,
    stripe: process.env.STRIPE_API_URL,
  };
  return Object.entries(engines).filter(([, url]) => url).map(([name, url]) => `${name}=${url}`).join(' ');
}

// `npm run audit` (bin/audit.ts) asks for the audit jobs now; one run at a time.
let auditing: Promise<void> | undefined;
process.on(RUN_AUDIT_SIGNAL, () => {
  auditing ??= runAuditJobs().finally(() => (auditing = undefined));
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Crowdstart …');
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
