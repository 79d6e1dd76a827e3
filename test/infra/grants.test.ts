/**
 * Grants follow `uses` (lib/routes.ts, lib/consumers.ts, WORKFLOW_TASKS); this checks `uses`
 * follows the code. Each handler is bundled as Lambda would get it (tree-shaken, SDK left
 * external) and the bundle is searched for the calls each grant allows, so a handler that starts
 * querying an index or describing an execution fails here instead of with AccessDenied on AWS.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { QUEUE_CONSUMERS, SCHEDULED_JOBS, STREAM_CONSUMERS } from '../../lib/consumers';
import { WORKFLOW_TASKS } from '../../lib/constructs/order-workflow';
import { PROJECT_ROOT } from '../../lib/constructs/service-functions';
import { ROUTES, type RouteResource } from '../../lib/routes';

const HANDLERS: readonly { module: string; uses: readonly RouteResource[] }[] = [
  ...ROUTES.map((route) => ({ module: `api/${route.handler}`, uses: route.uses })),
  ...[...STREAM_CONSUMERS, ...QUEUE_CONSUMERS, ...SCHEDULED_JOBS].map((consumer) => ({ module: consumer.handler, uses: consumer.uses })),
  ...WORKFLOW_TASKS.map((task) => ({ module: task.module, uses: task.uses })),
];

/** What a bundle's code does, as the grants name it. */
const CALLS: readonly [RouteResource, RegExp][] = [
  ['table:index', /\bIndexName:/],
  ['workflow:start', /new StartExecutionCommand\(/],
  ['workflow:callback', /new SendTask(Success|Failure)Command\(/],
  ['workflow:read', /new DescribeExecutionCommand\(/],
];

async function bundle(module: string): Promise<string> {
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, 'functions', `${module}.ts`)],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    external: ['@aws-sdk/*', 'stripe', '@aws-lambda-powertools/*', '@middy/*', 'zod'],
  });
  return result.outputFiles[0]!.text;
}

describe('grants follow the code', () => {
  it.each(HANDLERS.map((h) => [h.module, h] as const))('%s uses exactly what its code calls', async (_, handler) => {
    // Act
    const code = await bundle(handler.module);

    // Assess
    for (const [resource, call] of CALLS) {
      expect({ resource, calls: call.test(code) }).toEqual({ resource, calls: handler.uses.includes(resource) });
    }
  });
});
