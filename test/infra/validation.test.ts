import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { synthTenant } from './support';

describe('CloudFormation validation', () => {
  // cdk.json sets @aws-cdk/core:validateAgainstDefaultRules, so any finding of CDK's built-in
  // CloudFormation validation (schema, linting) fails synthesis, as it does for `cdk synth`.
  it.each(['acme', 'globex'])('finds nothing wrong with the %s template', (tenant) => {
    // Act
    const { stack } = synthTenant(tenant, { validate: true });

    // Assess
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });
});
