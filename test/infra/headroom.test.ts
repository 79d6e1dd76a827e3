/**
 * CloudFormation takes at most 500 resources, 200 parameters and 200 outputs per template, and
 * a nested stack is a template of its own. Each stack here must keep room for the growth we
 * plan for — 40 more routes and 10 more consumers per tenant — wherever it lands:
 *
 * - a route puts 2 resources in the parent (route, integration) and up to 8 in its route stack
 *   (function, log group, version, alias, invoke permission, deployment group, and a role and
 *   its policy when no function of that stack uses the same resources), plus 2 outputs there
 *   (function name and alias ARN, which the parent's integration and dashboard read);
 * - a consumer puts up to 12 resources in the consumer stack (lib/constructs/event-consumers.ts):
 *   function, log group, version, alias, role, policy, its errors and throttles alarms and its
 *   deployment group, then an event source mapping and the iterator-age alarm of a stream
 *   consumer, or a schedule and the scheduler's role and policy of a job; plus 1 output there
 *   (its function name, which the dashboard reads) and up to 2 parameters (the ARN and URL of a
 *   queue it is the first there to read or write);
 * - a consumer of a new queue brings that queue into the parent: queue, DLQ, their SSL-only
 *   policies, the dead-letters and message-age alarms (6 resources) and the queue URL output;
 * - a new domain of routes adds its nested stack to the parent: say 6 more domains.
 *
 * All 40 routes may land in one domain, so every route stack needs room for all of them.
 */
import type { Stack } from 'aws-cdk-lib';
import { TENANTS } from '../../lib/settings';
import { resources, synthTenant } from './support';

const MORE_ROUTES = 40;
const MORE_CONSUMERS = 10;
const MORE_DOMAINS = 6;

const LIMITS = { resources: 500, parameters: 200, outputs: 200 };
/** `cdk synth` adds an AWS::CDK::Metadata resource to each template; test synthesis leaves it out. */
const CDK_METADATA = 1;

const PARENT_FREE = {
  resources: MORE_ROUTES * 2 + MORE_CONSUMERS * 6 + MORE_DOMAINS, // 146
  outputs: MORE_CONSUMERS, // a stack output per new queue, at most
};
const ROUTE_STACK_FREE = {
  resources: MORE_ROUTES * 8, // 320
  outputs: MORE_ROUTES * 2, // 80
  parameters: 10, // a new kind of grant adds a reference or two
};
const CONSUMER_STACK_FREE = {
  resources: MORE_CONSUMERS * 12, // 120
  outputs: MORE_CONSUMERS, // 10
  parameters: MORE_CONSUMERS * 2, // 20
};
const NEEDED = { parent: PARENT_FREE, routes: ROUTE_STACK_FREE, consumers: CONSUMER_STACK_FREE, other: {} };

describe('room to grow', () => {
  it.each([...Object.keys(TENANTS), 'initech'])(`leaves every stack of the %s tenant room for ${MORE_ROUTES} more routes and ${MORE_CONSUMERS} more consumers`, (tenant) => {
    // Prepare
    const { stack, templates } = synthTenant(tenant);
    const routeStacks = new Set<Stack>(stack.api.routeStacks.values());

    // Act
    const free = [...templates].map(([s, template]) => {
      const json = template.toJSON();
      const kind: keyof typeof NEEDED = s === stack ? 'parent' : routeStacks.has(s) ? 'routes' : s === stack.consumers ? 'consumers' : 'other';
      return {
        stack: s.node.path,
        kind,
        resources: LIMITS.resources - CDK_METADATA - Object.keys(resources(template)).length,
        parameters: LIMITS.parameters - Object.keys(json.Parameters ?? {}).length,
        outputs: LIMITS.outputs - Object.keys(json.Outputs ?? {}).length,
      };
    });

    // Assess
    expect(free.filter((f) => f.kind === 'other')).toEqual([]); // a new kind of nested stack needs its own budget here
    expect(free.filter((f) => f.kind === 'routes')).toHaveLength(routeStacks.size);
    expect(free.filter((f) => f.kind === 'consumers')).toHaveLength(1);
    const shortfalls = free.flatMap((f) => {
      const needed: Partial<Record<keyof typeof LIMITS, number>> = NEEDED[f.kind];
      return (Object.keys(LIMITS) as (keyof typeof LIMITS)[])
        .filter((limit) => f[limit] < (needed[limit] ?? 0))
        .map((limit) => `${f.stack}: ${f[limit]} ${limit} free, needs ${needed[limit]}`);
    });
    expect(shortfalls).toEqual([]);
  });
});
