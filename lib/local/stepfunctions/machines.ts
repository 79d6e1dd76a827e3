import { isValidName, stateMachineArn } from './arn';
import { PreparedDefinition, WAIT_RESOURCE } from './definition';
import { classifyResource, handlerKeys, type TaskHandlerTable, type TaskResource } from './task-resources';
import type { StateMachineSpec } from './types';

/** A state machine the service runs: its prepared definition and the resource of each Task. */
export interface LocalStateMachine {
  readonly name: string;
  readonly arn: string;
  readonly definitionText: string;
  readonly definition: PreparedDefinition;
  readonly tasks: ReadonlyMap<string, TaskResource>;
  readonly creationDate: number;
}

/**
 * Validates and prepares the state machines, failing fast — with every problem listed — on an
 * invalid definition, an unsupported resource, or a Task that no handler serves (a Lambda
 * invoked through `FunctionName.$` can only be checked when it runs).
 */
export function prepareStateMachines(
  specs: readonly StateMachineSpec[],
  handlers: TaskHandlerTable,
  defaults: { region: string; accountId: string },
): { machines: Map<string, LocalStateMachine>; warnings: string[] } {
  const machines = new Map<string, LocalStateMachine>();
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const spec of specs) {
    if (!isValidName(spec.name)) problems.push(`Invalid state machine name: ${spec.name}`);
    const arn = spec.arn ?? stateMachineArn(defaults.region, defaults.accountId, spec.name);
    if (machines.has(arn)) problems.push(`Duplicate state machine: ${arn}`);
    let definition: PreparedDefinition;
    try {
      definition = new PreparedDefinition(spec.name, spec.definition);
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    warnings.push(...definition.warnings.map((warning) => `${spec.name}: ${warning}`));
    const tasks = new Map<string, TaskResource>();
    for (const state of definition.handlerStates()) {
      const resource = state.type === 'Wait' ? WAIT_RESOURCE : String(state.definition.Resource);
      try {
        const task = classifyResource(resource);
        tasks.set(state.name, task);
        const parameters = (state.definition.Parameters ?? {}) as Record<string, unknown>;
        const staticName = typeof parameters.FunctionName === 'string' ? parameters.FunctionName : undefined;
        const dynamic = task.kind === 'lambda-invoke' && 'FunctionName.$' in parameters;
        if (task.kind === 'lambda-invoke' && !dynamic && staticName === undefined) {
          problems.push(`${spec.name}.${state.name}: Parameters.FunctionName must be a string (resolve CDK tokens first), got ${JSON.stringify(parameters.FunctionName)}`);
        } else if (task.kind !== 'wait' && !dynamic && !handlers.find(handlerKeys(task, staticName))) {
          problems.push(`${spec.name}.${state.name}: no task handler for ${staticName ?? resource}`);
        }
      } catch (error) {
        problems.push(`${spec.name}.${state.name}: ${(error as Error).message}`);
      }
    }
    const definitionText = JSON.stringify(spec.definition);
    machines.set(arn, { name: spec.name, arn, definitionText, definition, tasks, creationDate: Date.now() });
  }
  if (problems.length > 0) throw new Error(`Local Step Functions cannot start:\n- ${problems.join('\n- ')}`);
  return { machines, warnings };
}
