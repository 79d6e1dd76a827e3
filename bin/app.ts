/**
 * The CDK app: one stack per tenant stage. `npx cdk synth -c tenant=acme` builds `Crowdstart-acme`
 * from lib/settings.ts, with overrides from the `tenants` context (cdk.json or `-c`).
 */
import { App } from 'aws-cdk-lib';
import { CrowdstartStack, stackName } from '../lib/crowdstart-stack';
import { DEFAULT_TENANT, resolveSettings, type TenantOverrides } from '../lib/settings';

const app = new App();
const tenant = String(app.node.tryGetContext('tenant') ?? DEFAULT_TENANT);
const overrides = parseContextJson<Record<string, TenantOverrides>>(app.node.tryGetContext('tenants')) ?? {};
const settings = resolveSettings(tenant, overrides);

new CrowdstartStack(app, stackName(tenant), { settings });

/** `-c key=value` arrives as a string; cdk.json context arrives as JSON already. */
function parseContextJson<T>(value: unknown): T | undefined {
  if (value === undefined) return undefined;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
