/**
 * Synthesizes tenant stacks for template assertions. Bundling is skipped through the App context
 * (`aws:cdk:bundling-stacks: []`): NodejsFunction then stages no esbuild output and hashes the
 * construct path instead, so a whole stack synthesizes in a fraction of a second.
 */
import { App } from 'aws-cdk-lib';
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
  readonly template: Template;
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
  return { stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;

/** The template's resources as plain JSON. */
export function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
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
