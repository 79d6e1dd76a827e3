/**
 * CloudFormation takes at most 500 resources, 200 parameters and 200 outputs per template, and
 * a nested stack is a template of its own. Each stack here must keep room for the growth we
 * plan for — 40 more routes and 10 more consumers per tenant — wherever it lands:
 *
 * - a route puts 2 resources in the parent (route, integration) and up to 8 in its route stack
 *   (function, log group, version, alias, invoke permission, deployment group, and a role and
 *   its policy when no function of that stack uses the same resources), plus 2 outputs there
 *   (function name and alias ARN, which the parent's integration and dashboard read);
 * - a consumer stays in the parent with up to 11: function, log group, version, alias, role,
 *   policy, event source mapping or schedule, errors, throttles and iterator-age alarms, and
 *   its deployment group;
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
  resources: MORE_ROUTES * 2 + MORE_CONSUMERS * 11 + MORE_DOMAINS, // 196
  outputs: 10, // a stack output per new queue, at most
};
const ROUTE_STACK_FREE = {
  resources: MORE_ROUTES * 8, // 320
  outputs: MORE_ROUTES * 2, // 80
  parameters: 10, // a new kind of grant adds a reference or two
};

describe('room to grow', () => {
  it.each([...Object.keys(TENANTS), 'initech'])(`leaves every stack of the %s tenant room for ${MORE_ROUTES} more routes and ${MORE_CONSUMERS} more consumers`, (tenant) => {
    // Prepare
    const { stack, templates } = synthTenant(tenant);
    const routeStacks = new Set<Stack>(stack.api.routeStacks.values());

    // Act
    const free = [...templates].map(([s, template]) => {
      const json = template.toJSON();
      const kind = s === stack ? 'parent' : routeStacks.has(s) ? 'routes' : 'other';
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
    const shortfalls = free.flatMap((f) => {
      const needed: Partial<Record<keyof typeof LIMITS, number>> = f.kind === 'parent' ? PARENT_FREE : ROUTE_STACK_FREE;
      return (Object.keys(LIMITS) as (keyof typeof LIMITS)[])
        .filter((limit) => f[limit] < (needed[limit] ?? 0))
        .map((limit) => `${f.stack}: ${f[limit]} ${limit} free, needs ${needed[limit]}`);
    });
    expect(shortfalls).toEqual([]);
  });
});
