import { randomUUID } from 'node:crypto';
import { executionArn, isArn, isValidName, LOCAL_ROLE_ARN } from './arn';
import { decodeToken, type CallbackRegistry } from './callbacks';
import { SfnServiceError } from './errors';
import { appendEvent } from './history';
import type { LocalStateMachine } from './machines';
import type { ExecutionRunner } from './runner';
import type { ExecutionStore } from './store';
import type { ExecutionRecord, ExecutionStatus, HistoryEvent, PendingTask } from './types';

type Input = Record<string, unknown>;
/** One Step Functions API action: JSON request in, JSON response out (or an SfnServiceError). */
export type Operation = (input: Input) => unknown;

export interface ApiDeps {
  readonly machines: ReadonlyMap<string, LocalStateMachine>;
  readonly store: ExecutionStore;
  readonly callbacks: CallbackRegistry;
  readonly runners: ReadonlyMap<string, ExecutionRunner>;
  readonly startRunner: (record: ExecutionRecord) => void;
}

const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * The Step Functions API actions that the project's code (and a developer poking at the local
 * stack) calls, over the executions in the store. Timestamps leave as epoch seconds, as awsJson
 * carries them.
 */
export function createOperations(deps: ApiDeps): Record<string, Operation> {
  const { machines, store, callbacks, runners } = deps;

  function machine(arn: string): LocalStateMachine {
    const found = machines.get(arn);
    if (!found) throw new SfnServiceError(isArn(arn) ? 'StateMachineDoesNotExist' : 'InvalidArn', `State Machine Does Not Exist: '${arn}'`);
    return found;
  }

  function execution(arn: string): ExecutionRecord {
    const found = store.get(arn);
    if (!found) throw new SfnServiceError(isArn(arn) ? 'ExecutionDoesNotExist' : 'InvalidArn', `Execution Does Not Exist: '${arn}'`);
    return found;
  }

  /** The open task of a token, or InvalidToken (not a token of ours) / TaskDoesNotExist (closed). */
  function openTask(input: Input): { record: ExecutionRecord; pending: PendingTask } {
    const token = required(input, 'taskToken');
    const ref = decodeToken(token);
    if (!ref) throw new SfnServiceError('InvalidToken', 'Invalid Task Token');
    const record = store.get(ref.executionArn);
    const pending = record?.pendingTasks[ref.stateName];
    if (!record || record.status !== 'RUNNING' || pending?.token !== token || pending.outcome) {
      throw new SfnServiceError('TaskDoesNotExist', 'Task Timed Out or does not exist any more');
    }
    return { record, pending };
  }

  function settle(record: ExecutionRecord, pending: PendingTask, outcome: NonNullable<PendingTask['outcome']>): Input {
    pending.outcome = outcome;
    store.save(record); // before answering: a restart must not lose an accepted callback
    callbacks.notify(pending.token);
    return {};
  }

  return {
    StartExecution(input) {
      const target = machine(required(input, 'stateMachineArn'));
      const name = optional(input, 'name') ?? randomUUID();
      if (!isValidName(name)) throw new SfnServiceError('InvalidName', `Invalid Name: '${name}'`);
      const text = optional(input, 'input') ?? '{}';
      try {
        JSON.parse(text);
      } catch {
        throw new SfnServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not valid JSON');
      }
      const arn = executionArn(target.arn, name);
      const existing = store.get(arn);
      if (existing) {
        // AWS: same name and input while the first is still open → the same execution.
        if (existing.status === 'RUNNING' && existing.input === text) return { executionArn: arn, startDate: seconds(existing.startDate) };
        throw new SfnServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      }
      const record: ExecutionRecord = {
        executionArn: arn,
        stateMachineArn: target.arn,
        stateMachineName: target.name,
        name,
        input: text,
        startDate: Date.now(),
        status: 'RUNNING',
        pendingTasks: {},
        history: [],
      };
      appendEvent(record, 'ExecutionStarted', {
        executionStartedEventDetails: { input: text, inputDetails: { truncated: false }, roleArn: LOCAL_ROLE_ARN },
      });
      store.save(record);
      deps.startRunner(record);
      return { executionArn: arn, startDate: seconds(record.startDate) };
    },

    DescribeExecution(input) {
      const record = execution(required(input, 'executionArn'));
      return {
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: seconds(record.startDate),
        stopDate: record.stopDate === undefined ? undefined : seconds(record.stopDate),
        input: record.input,
        inputDetails: { included: true },
        output: record.output,
        outputDetails: record.output === undefined ? undefined : { included: true },
        error: record.error,
        cause: record.cause,
        redriveCount: 0,
        redriveStatus: 'NOT_REDRIVABLE',
      };
    },

    DescribeStateMachineForExecution(input) {
      const record = execution(required(input, 'executionArn'));
      const target = machine(record.stateMachineArn);
      return { stateMachineArn: target.arn, name: target.name, definition: target.definitionText, roleArn: LOCAL_ROLE_ARN, updateDate: seconds(target.creationDate) };
    },

    ListExecutions(input) {
      const target = machine(required(input, 'stateMachineArn'));
      const status = optional(input, 'statusFilter');
      if (status !== undefined && !STATUSES.includes(status as ExecutionStatus)) {
        throw new SfnServiceError('ValidationException', `Invalid statusFilter: ${status}`);
      }
      const matching = store
        .all()
        .filter((record) => record.stateMachineArn === target.arn && (status === undefined || record.status === status))
        .sort((a, b) => b.startDate - a.startDate);
      const { items, nextToken } = page(matching, input);
      return {
        executions: items.map((record) => ({
          executionArn: record.executionArn,
          stateMachineArn: record.stateMachineArn,
          name: record.name,
          status: record.status,
          startDate: seconds(record.startDate),
          stopDate: record.stopDate === undefined ? undefined : seconds(record.stopDate),
        })),
        nextToken,
      };
    },

    GetExecutionHistory(input) {
      const record = execution(required(input, 'executionArn'));
      const events = input.reverseOrder === true ? [...record.history].reverse() : record.history;
      const { items, nextToken } = page(events, input);
      const withData = input.includeExecutionData !== false;
      return { events: items.map((event) => wireEvent(event, withData)), nextToken };
    },

    StopExecution(input) {
      const record = execution(required(input, 'executionArn'));
      if (record.status === 'RUNNING') {
        const error = optional(input, 'error');
        const cause = optional(input, 'cause');
        const runner = runners.get(record.executionArn);
        if (runner) runner.stop(error, cause);
        else abortWithoutRunner(record, error, cause);
      }
      return { stopDate: seconds(record.stopDate ?? Date.now()) };
    },

    SendTaskSuccess(input) {
      const output = required(input, 'output');
      const { record, pending } = openTask(input);
      try {
        JSON.parse(output);
      } catch {
        throw new SfnServiceError('InvalidOutput', 'Invalid Task Output: not valid JSON');
      }
      return settle(record, pending, { output });
    },

    SendTaskFailure(input) {
      const { record, pending } = openTask(input);
      // Without an error name the failure still matches States.ALL and States.TaskFailed.
      return settle(record, pending, { error: optional(input, 'error') ?? 'States.TaskFailed', cause: optional(input, 'cause') });
    },

    SendTaskHeartbeat(input) {
      const { record, pending } = openTask(input);
      pending.heartbeatAt = Date.now();
      store.save(record);
      callbacks.notify(pending.token);
      return {};
    },

    DescribeStateMachine(input) {
      const target = machine(required(input, 'stateMachineArn'));
      return {
        stateMachineArn: target.arn,
        name: target.name,
        status: 'ACTIVE',
        definition: target.definitionText,
        roleArn: LOCAL_ROLE_ARN,
        type: 'STANDARD',
        creationDate: seconds(target.creationDate),
      };
    },

    ListStateMachines(input) {
      const { items, nextToken } = page([...machines.values()], input);
      return {
        stateMachines: items.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: 'STANDARD', creationDate: seconds(m.creationDate) })),
        nextToken,
      };
    },
  };

  function abortWithoutRunner(record: ExecutionRecord, error?: string, cause?: string): void {
    Object.assign(record, { status: 'ABORTED', stopDate: Date.now(), error, cause, pendingTasks: {} });
    delete record.position;
    appendEvent(record, 'ExecutionAborted', { executionAbortedEventDetails: { error, cause } });
    store.save(record);
  }
}

function required(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0) throw new SfnServiceError('ValidationException', `Missing required parameter: ${field}`);
  return value;
}

function optional(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SfnServiceError('ValidationException', `${field} must be a string`);
  return value;
}

function seconds(epochMs: number): number {
  return epochMs / 1000;
}

/** `maxResults` (default 100, at most 1000) and an opaque `nextToken` holding the offset. */
function page<T>(items: readonly T[], input: Input): { items: T[]; nextToken?: string } {
  const max = typeof input.maxResults === 'number' && input.maxResults > 0 ? Math.min(input.maxResults, 1000) : 100;
  let offset = 0;
  if (typeof input.nextToken === 'string') {
    offset = Number(Buffer.from(input.nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw new SfnServiceError('InvalidToken', 'Invalid nextToken');
  }
  const end = offset + max;
  return { items: items.slice(offset, end), nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

function wireEvent(event: HistoryEvent, withData: boolean): Input {
  const wire: Input = { ...event, timestamp: seconds(event.timestamp) };
  if (withData) return wire;
  for (const [key, value] of Object.entries(wire)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const { input: _input, output: _output, parameters: _parameters, ...rest } = value as Input;
    wire[key] = rest;
  }
  return wire;
}
