import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { MAX_TIMER_MS } from './timers';

/**
 * Prepares the ASL given to the service for aws-local-stepfunctions. The definition keeps its
 * states, names, paths, Retry and Catch; a few mechanical rewrites make it durable:
 *
 * - Wait states become Task states on WAIT_RESOURCE (same InputPath/OutputPath/Next/End, the
 *   duration passed through Parameters so the engine still evaluates SecondsPath/TimestampPath).
 *   The local handler sleeps until a deadline computed from the time the state was entered, so a
 *   resumed Wait only sleeps for what is left (the engine's own Wait always starts over).
 * - Task states get a huge TimeoutSeconds: the engine defaults to 60 s where AWS waits (almost)
 *   forever; the real TimeoutSeconds and HeartbeatSeconds are enforced by the local handler from
 *   persisted deadlines. Where HeartbeatSeconds is set, Retry/Catch on `States.Timeout` also
 *   list `States.HeartbeatTimeout`, since AWS's `States.Timeout` covers both.
 * - `$$.Task.Token` in Parameters becomes a placeholder the handler replaces with the token
 *   it issues (or re-uses after a restart); the engine has no notion of task tokens. Likewise
 *   `$$.State.EnteredTime`, which the engine does not set: the handler puts in the time the
 *   state was entered (recorded, so a resumed state keeps it).
 * - `$$.Execution…` reads `$$.LocalExecution…`, a copy of the context that the engine does not
 *   overwrite (it resets Execution.Input/StartTime to the input of each run, i.e. of a resume).
 */

export const WAIT_RESOURCE = 'arn:aws:states:::local:wait';
export const TASK_TOKEN_PLACEHOLDER = '__local-sfn-task-token__';
const ENTERED_TIME_PLACEHOLDER = '__local-sfn-state-entered-time__';
const ENGINE_MAX_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

type AslState = { Type: string; [field: string]: unknown };
interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  [field: string]: unknown;
}

/** A state of the original definition (nested ones included) as the runner needs to know it. */
export interface StateInfo {
  readonly name: string;
  readonly type: string;
  readonly topLevel: boolean;
  readonly definition: Readonly<AslState>;
}

export class PreparedDefinition {
  /** Every state by name, top-level and nested (Parallel branches, Map iterators). */
  readonly states = new Map<string, StateInfo>();
  /** Original TimeoutSeconds of the execution, if any. */
  readonly timeoutSeconds?: number;
  /** Things of the ASL the local engine ignores, to be logged once. */
  readonly warnings: string[] = [];
  private readonly rewritten: AslMachine;

  constructor(machineName: string, definition: object) {
    const machine = definition as AslMachine;
    if (machine.QueryLanguage === 'JSONata') throw new Error(`${machineName}: JSONata is not supported locally`);
    validate(machineName, definition);
    this.timeoutSeconds = machine.TimeoutSeconds;
    const withLocalContext = JSON.stringify(machine).replace(/\$\$\.Execution(?!\w)/g, () => '$$.LocalExecution');
    this.rewritten = this.rewriteMachine(JSON.parse(withLocalContext) as AslMachine, true);
  }

  get startAt(): string {
    return this.rewritten.StartAt;
  }

  /** The definition to run, from `startAt` (a resume) and with the execution time that is left. */
  forRun(startAt: string, timeoutSeconds: number | undefined): StateMachineDefinition {
    const definition: AslMachine = { ...this.rewritten, StartAt: startAt };
    delete definition.TimeoutSeconds;
    if (timeoutSeconds !== undefined) definition.TimeoutSeconds = Math.min(Math.max(0, timeoutSeconds), ENGINE_MAX_TIMEOUT_SECONDS);
    return definition as StateMachineDefinition;
  }

  /** Names of the states that run a local handler (Task states, and the rewritten Wait states). */
  handlerStates(): StateInfo[] {
    return [...this.states.values()].filter((s) => s.type === 'Task' || s.type === 'Wait');
  }

  private rewriteMachine(machine: AslMachine, topLevel: boolean): AslMachine {
    const states: Record<string, AslState> = {};
    for (const [name, state] of Object.entries(machine.States)) {
      if (!this.states.has(name)) this.states.set(name, { name, type: state.Type, topLevel, definition: state });
      states[name] = this.rewriteState(name, state);
    }
    return { ...machine, States: states };
  }

  private rewriteState(name: string, state: AslState): AslState {
    switch (state.Type) {
      case 'Wait':
        return waitAsTask(state);
      case 'Task':
        if (state.HeartbeatSecondsPath) this.warnings.push(`${name}: HeartbeatSecondsPath is ignored locally`);
        return rewriteTask(state);
      case 'Parallel':
        return { ...state, Branches: (state.Branches as AslMachine[]).map((branch) => this.rewriteMachine(branch, false)) };
      case 'Map': {
        const key = state.ItemProcessor ? 'ItemProcessor' : 'Iterator';
        return { ...state, [key]: this.rewriteMachine(state[key] as AslMachine, false) };
      }
      default:
        return state;
    }
  }
}

/** Definitions already validated in this process: asl-validator takes ~0.3 s per definition. */
const validDefinitions = new Set<string>();

function validate(machineName: string, definition: object): void {
  const text = JSON.stringify(definition);
  if (validDefinitions.has(text)) return;
  try {
    // asl-validator writes defaults into what it checks: give it a copy.
    new StateMachine(structuredClone(definition) as StateMachineDefinition);
  } catch (error) {
    throw new Error(`State machine ${machineName} is invalid: ${(error as Error).message}`, { cause: error });
  }
  validDefinitions.add(text);
}

function waitAsTask(state: AslState): AslState {
  const { Type: _type, Seconds, SecondsPath, Timestamp, TimestampPath, ...rest } = state;
  const timing =
    Seconds !== undefined ? { seconds: Seconds }
    : SecondsPath !== undefined ? { 'seconds.$': SecondsPath }
    : Timestamp !== undefined ? { timestamp: Timestamp }
    : { 'timestamp.$': TimestampPath };
  return {
    ...rest,
    Type: 'Task',
    Resource: WAIT_RESOURCE,
    Parameters: { ...timing, 'input.$': '$' },
    TimeoutSeconds: ENGINE_MAX_TIMEOUT_SECONDS,
  };
}

function rewriteTask(state: AslState): AslState {
  const { TimeoutSeconds: _timeout, TimeoutSecondsPath: _timeoutPath, HeartbeatSeconds, HeartbeatSecondsPath: _heartbeatPath, ...rest } = state;
  // TimeoutSeconds and TimeoutSecondsPath are both enforced by the handler, from persisted deadlines.
  const task: AslState = { ...rest, TimeoutSeconds: ENGINE_MAX_TIMEOUT_SECONDS };
  if (task.Parameters !== undefined) task.Parameters = withTokenPlaceholder(task.Parameters);
  if (HeartbeatSeconds !== undefined) {
    for (const field of ['Retry', 'Catch'] as const) {
      const rules = task[field] as { ErrorEquals: string[] }[] | undefined;
      if (!rules) continue;
      task[field] = rules.map((rule) =>
        rule.ErrorEquals.includes('States.Timeout') && !rule.ErrorEquals.includes('States.HeartbeatTimeout')
          ? { ...rule, ErrorEquals: [...rule.ErrorEquals, 'States.HeartbeatTimeout'] }
          : rule,
      );
    }
  }
  return task;
}

function withTokenPlaceholder(template: unknown): unknown {
  if (Array.isArray(template)) return template.map(withTokenPlaceholder);
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && value === '$$.Task.Token') out[key.slice(0, -2)] = TASK_TOKEN_PLACEHOLDER;
    else if (key.endsWith('.$') && value === '$$.State.EnteredTime') out[key.slice(0, -2)] = ENTERED_TIME_PLACEHOLDER;
    else if (key.endsWith('.$') && typeof value === 'string') out[key] = value.replaceAll('$$.Task.Token', `'${TASK_TOKEN_PLACEHOLDER}'`);
    else out[key] = withTokenPlaceholder(value);
  }
  return out;
}

/** Replaces the token placeholder wherever the resolved Parameters carry it. */
export function insertToken(value: unknown, token: string): unknown {
  return replacePlaceholder(value, TASK_TOKEN_PLACEHOLDER, token);
}

/** Replaces the entered-time placeholder (an ISO timestamp, as `$$.State.EnteredTime` is on AWS). */
export function insertEnteredTime(value: unknown, enteredAt: number): unknown {
  return replacePlaceholder(value, ENTERED_TIME_PLACEHOLDER, new Date(enteredAt).toISOString());
}

function replacePlaceholder(value: unknown, placeholder: string, replacement: string): unknown {
  if (typeof value === 'string') return value.replaceAll(placeholder, replacement);
  if (Array.isArray(value)) return value.map((item) => replacePlaceholder(item, placeholder, replacement));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replacePlaceholder(item, placeholder, replacement)]));
  }
  return value;
}
