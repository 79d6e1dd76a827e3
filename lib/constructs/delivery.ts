import { Stack, Validations } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaApplication, LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import type { DeploymentStrategy } from '../settings';
import type { ServiceFunction } from './service-functions';

/** Properties of {@link Delivery}. */
export interface DeliveryProps {
  /** The functions whose `live` alias CodeDeploy shifts. */
  readonly functions: readonly ServiceFunction[];
  /** `canary`: 10 % for 5 minutes, then all; `all-at-once`: CloudFormation moves the aliases itself. */
  readonly strategy: DeploymentStrategy;
  /** The alarms that roll a function's deployment back: its own and the stage's (at most 10). */
  readonly rollbackAlarms: (fn: ServiceFunction) => IAlarm[];
}

/**
 * Progressive delivery: with the canary strategy every function's `live` alias is moved by a
 * CodeDeploy deployment group, which sends 10 % of the traffic to the new version for 5 minutes,
 * then all of it, and rolls back by itself (failing the stack update) when one of the
 * function's rollback alarms fires. Versions are retained, so there is always one to go back to.
 * A function's group sits in the function's own stack: the alias's update policy names the
 * group, so a group in another stack would depend on the stack that depends on it.
 */
export class Delivery extends Construct {
  /** The deployment group of each function (empty with the all-at-once strategy). */
  readonly deploymentGroups = new Map<NodejsFunction, LambdaDeploymentGroup>();
  /** Where the groups of a nested stack's functions go, by stack. */
  private readonly nestedScopes = new Map<Stack, Construct>();

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    if (props.strategy === 'all-at-once') return;
    const application = new LambdaApplication(this, 'Application');
    // One role for every group; by default each group would make its own (49 roles).
    const role = new Role(this, 'DeploymentRole', {
      assumedBy: new ServicePrincipal('codedeploy.amazonaws.com'),
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSCodeDeployRoleForLambdaLimited')],
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason: "AWS's own policy for CodeDeploy on Lambda (move aliases, read alarms), kept current by AWS as the service changes",
    });
    for (const fn of props.functions) {
      const alarms = props.rollbackAlarms(fn);
      if (alarms.length > 10) throw new Error(`${fn.function.node.path}: CodeDeploy takes at most 10 alarms, got ${alarms.length}`);
      const group = new LambdaDeploymentGroup(this.scopeFor(fn), `${fn.name}Deployment`, {
        application,
        alias: fn.alias,
        deploymentConfig: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
        alarms,
        role,
        autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
      });
      this.deploymentGroups.set(fn.function, group);
    }
  }

  private scopeFor(fn: ServiceFunction): Construct {
    const stack = Stack.of(fn.function);
    if (stack === Stack.of(this)) return this;
    let scope = this.nestedScopes.get(stack);
    if (!scope) {
      scope = new Construct(stack, 'Delivery');
      this.nestedScopes.set(stack, scope);
    }
    return scope;
  }
}
