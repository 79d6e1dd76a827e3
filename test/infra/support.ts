/**
 * Synthesizes tenant stacks for template assertions. Bundling is skipped through the App context
 * (`aws:cdk:bundling-stacks: []`): NodejsFunction then stages no esbuild output and hashes the
 * construct path instead, so a whole stack synthesizes in a fraction of a second.
 */
import { App, NestedStack, Stack, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CrowdstartStack, stackName } from '../../lib/crowdstart-stack';
import { resolveSettings, type TenantOverrides, type TenantSettings } from '../../lib/settings';

/** cdk.json's context, so tests see the same feature flags as `cdk synth`. */
const CDK_CONTEXT = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'cdk.json'), 'utf8')).context ?? {};

/**
 * An App like bin/app.ts's, minus bundling. CDK's built-in CloudFormation validation (a WASM
 * engine, ~8 s to start) is off unless a test asks for it; validation.test.ts does.
 */
export function testApp(options: { validate?: boolean } = {}): App {
  return new App({
    context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: options.validate ?? false,
  });
}

export interface Synthesized {
  readonly stack: CrowdstartStack;
  /** The parent stack's template. */
  readonly template: Template;
  /** Every stack's template: the parent's first, then each nested stack's. */
  readonly templates: ReadonlyMap<Stack, Template>;
  /** The template of the stack `construct` is in. */
  readonly templateOf: (construct: IConstruct) => Template;
}

const synthesized = new Map<string, Synthesized>();

/**
 * Synthesizes `Crowdstart-<tenant>` (or `stackId`) from the tenant's settings. Without options,
 * a test file gets one synthesis per tenant however many of its tests ask (synthesis is slow).
 */
export function synthTenant(
  tenant: string,
  options: { overrides?: Record<string, TenantOverrides>; settings?: TenantSettings; stackId?: string; validate?: boolean } = {},
): Synthesized {
  if (Object.keys(options).length) return synthesize(tenant, options);
  if (!synthesized.has(tenant)) synthesized.set(tenant, synthesize(tenant, options));
  return synthesized.get(tenant)!;
}

function synthesize(
  tenant: string,
  options: { overrides?: Record<string, TenantOverrides>; settings?: TenantSettings; stackId?: string; validate?: boolean } = {},
): Synthesized {
  const settings = options.settings ?? resolveSettings(tenant, options.overrides);
  const stack = new CrowdstartStack(testApp(options), options.stackId ?? stackName(tenant), { settings });
  const nested = stack.node.findAll().filter((construct): construct is NestedStack => construct instanceof NestedStack);
  const templates = new Map<Stack, Template>([stack, ...nested].map((s) => [s, Template.fromStack(s)] as const));
  return { stack, template: templates.get(stack)!, templates, templateOf: (construct) => templates.get(Stack.of(construct))! };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;

/** The template's resources as plain JSON. */
export function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

/** Every resource of every template of a synthesis, as [logical id, resource, its template]. */
export function allResources(synthesized: Synthesized): [string, Resources[string], Template][] {
  return [...synthesized.templates.values()].flatMap((template) =>
    Object.entries(resources(template)).map(([id, resource]) => [id, resource, template] as [string, Resources[string], Template]),
  );
}

/** The parent's logical id of each nested stack's resource. */
function nestedStackIds(synthesized: Synthesized): Map<NestedStack, string> {
  const nested = [...synthesized.templates.keys()].filter((stack): stack is NestedStack => stack instanceof NestedStack);
  return new Map(nested.map((stack) => [stack, synthesized.stack.getLogicalId(stack.nestedStackResource as CfnElement)]));
}

/** `value` from the parent with each nested stack output it reads (GetAtt Outputs.X) replaced by that output's value. */
export function throughOutputs(synthesized: Synthesized, value: unknown): unknown {
  if (value === undefined) return value;
  const outputs = new Map([...nestedStackIds(synthesized)].map(([stack, id]) => [id, synthesized.templates.get(stack)!.toJSON().Outputs ?? {}]));
  return JSON.parse(JSON.stringify(value), (_key, v) => {
    const [id, attribute] = (v?.['Fn::GetAtt'] ?? []) as [string?, string?];
    return id && attribute?.startsWith('Outputs.') && outputs.has(id) ? outputs.get(id)[attribute.slice('Outputs.'.length)].Value : v;
  });
}

/** `value` from `template` with each Ref to a nested stack's parameter replaced by what the parent passes it. */
export function throughParameters(synthesized: Synthesized, template: Template, value: unknown): unknown {
  const [stack] = [...synthesized.templates].find(([, t]) => t === template)!;
  const id = stack instanceof NestedStack ? nestedStackIds(synthesized).get(stack) : undefined;
  if (!id || value === undefined) return value;
  const passed = (resources(synthesized.template)[id]!.Properties!.Parameters ?? {}) as Record<string, unknown>;
  return JSON.parse(JSON.stringify(value), (_key, v) => (typeof v?.Ref === 'string' && v.Ref in passed ? passed[v.Ref] : v));
}

/** Every IAM action granted to a role, across the policies attached to it. */
export function actionsOfRole(template: Template, roleLogicalId: string): Set<string> {
  const actions = new Set<string>();
  for (const resource of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = (resource.Properties.Roles ?? []) as { Ref?: string }[];
    if (!roles.some((role) => role.Ref === roleLogicalId)) continue;
    for (const statement of resource.Properties.PolicyDocument.Statement as { Action: string | string[] }[]) {
      for (const action of [statement.Action].flat()) actions.add(action);
    }
  }
  return actions;
}
