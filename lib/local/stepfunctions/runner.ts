import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { LOCAL_ROLE_ARN, regionOf } from './arn';
import { issueToken, type CallbackRegistry } from './callbacks';
import { insertEnteredTime, insertToken, type PreparedDefinition, type StateInfo } from './definition';
import {
  abandonedError,
  heartbeatTimeoutError,
  integrationError,
  lambdaError,
  runtimeError,
  taskError,
  timeoutError,
} from './errors';
import { appendEvent, stateEntered, stateExited, TaskEvents, toJsonText } from './history';
import type { ExecutionStore } from './store';
import { handlerKeys, lambdaInvokeResult, type TaskHandlerTable, type TaskResource } from './task-resources';
import { sleepUntil } from './timers';
import type { ExecutionRecord, ExecutionStatus, Json, PendingTask, Position, ServiceLogger, TaskContext, TaskHandler } from './types';

type EngineRun = ReturnType<StateMachine['run']>;
type EngineEvent = EngineRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type EngineInput = Parameters<StateMachine['run']>[0];
type StateEvent = Extract<EngineEvent, { type: 'StateEntered' }>;

export interface RunnerDeps {
  readonly store: ExecutionStore;
  readonly callbacks: CallbackRegistry;
  readonly definition: PreparedDefinition;
  /** The classified Resource of every state that runs a handler (Task and rewritten Wait states). */
  readonly tasks: ReadonlyMap<string, TaskResource>;
  readonly handlers: TaskHandlerTable;
  readonly logger: ServiceLogger;
}

/**
 * Runs one execution on aws-local-stepfunctions and keeps its record: the engine's event log
 * becomes the AWS-shaped history and the resume position (the top-level state entered last and
 * its input); Task states are served by local handlers that add what the engine lacks — task
 * tokens, resumable timeouts and waits, Lambda-shaped results and errors.
 *
 * A runner is started fresh or on a record left RUNNING by a previous process: it then runs the
 * same definition from the recorded state with the recorded input (handlers are idempotent by
 * contract, so re-running that state is safe), re-using a pending task token and the deadline
 * of a Wait. Nested states of a Parallel or Map state are not resumable one by one: a resume
 * re-runs the whole Parallel/Map state.
 */
export class ExecutionRunner {
  /** Aborted once the execution is closed or abandoned: every handler of ours then lets go. */
  private readonly controller = new AbortController();
  private abortEngine: () => void = () => undefined;
  private closed = false;
  /** A resume re-enters the recorded state; that StateEntered is not a new history event. */
  private resumedState?: string;
  /** A top-level Parallel/Map in progress: state events until its exit are nested ones. */
  private container?: string;
  finished: Promise<void> = Promise.resolve();

  constructor(
    readonly record: ExecutionRecord,
    private readonly deps: RunnerDeps,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  start(): void {
    const { record, deps } = this;
    const position = record.position;
    if (position && 'end' in position) {
      this.succeed(position.output);
      return;
    }
    const startAt = position?.stateName ?? deps.definition.startAt;
    if (!deps.definition.states.get(startAt)?.topLevel) {
      this.close('FAILED', 'ExecutionFailed', 'States.Runtime', `State ${startAt} is not in the definition any more`);
      return;
    }
    if (position?.enteredAt !== undefined) this.resumedState = startAt;
    const input = position ? position.input : (JSON.parse(record.input) as Json);
    const timeoutSeconds =
      deps.definition.timeoutSeconds === undefined
        ? undefined
        : (record.startDate + deps.definition.timeoutSeconds * 1000 - Date.now()) / 1000;

    const engine = new StateMachine(deps.definition.forRun(startAt, timeoutSeconds), { validationOptions: { noValidate: true } });
    const run = engine.run(input as EngineInput, {
      overrides: { taskResourceLocalHandlers: this.localHandlers() },
      noThrowOnAbort: true,
      context: this.contextObject(),
    });
    this.abortEngine = run.abort;
    const consumed = this.consume(run.eventLogs);
    this.finished = Promise.allSettled([run.result, consumed]).then(([result]) => this.settle(result));
  }

  /** StopExecution: closes the execution as ABORTED and lets every waiting state go. */
  stop(error?: string, cause?: string): void {
    this.close('ABORTED', 'ExecutionAborted', error, cause);
  }

  /** The process goes away: leave the record RUNNING, exactly as a crash would. */
  abandon(): void {
    this.closed = true;
    this.controller.abort();
    this.abortEngine();
  }

  // ---- the engine's event log: history and resume position ----

  private async consume(events: AsyncGenerator<EngineEvent>): Promise<void> {
    // Synchronous handling only: task handlers rely on this loop running within microtasks.
    for await (const event of events) {
      if (this.closed) break;
      this.onEvent(event);
    }
  }

  private onEvent(event: EngineEvent): void {
    const { record } = this;
    switch (event.type) {
      case 'StateEntered':
        this.onStateEntered(event);
        break;
      case 'StateExited':
        this.onStateExited(event);
        break;
      case 'StateCaught':
        if (this.isTopLevel(event) && record.position && 'stateName' in record.position) {
          record.position.caughtNext = event.catch.catcher.Next;
        }
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const detailsKey = `${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails`;
        appendEvent(record, event.type, { [detailsKey]: { name: event.parentState.name, index: event.index } }, event.timestamp);
        break;
      }
      default:
        // Execution* events are written when the run settles; StateFailed/StateRetried have no
        // AWS counterpart (the task's own TaskFailed events tell that story).
        return;
    }
    this.deps.store.save(record);
  }

  private onStateEntered(event: StateEvent): void {
    const { name, input } = event.state;
    const type = this.stateType(name, event.state.type);
    if (!this.isTopLevel(event)) {
      stateEntered(this.record, type, name, input, event.timestamp);
      return;
    }
    if (type === 'Parallel' || type === 'Map') this.container = name;
    if (this.resumedState === name) {
      this.resumedState = undefined;
      this.deps.logger.info('Resumed execution', { executionArn: this.record.executionArn, state: name });
      return;
    }
    this.resumedState = undefined;
    this.record.position = { stateName: name, input: input as Json, enteredAt: event.timestamp };
    stateEntered(this.record, type, name, input, event.timestamp);
  }

  private onStateExited(event: Extract<EngineEvent, { type: 'StateExited' }>): void {
    const { name, output } = event.state;
    const info = this.deps.definition.states.get(name);
    stateExited(this.record, this.stateType(name, event.state.type), name, output, event.timestamp);
    if (!this.isTopLevel(event) || !info) return;
    if (this.container === name) this.container = undefined;
    // A Choice keeps its position: re-evaluating it on a resume has no side effects.
    if (info.type === 'Choice') return;
    const current = this.record.position;
    const caughtNext = current && 'stateName' in current ? current.caughtNext : undefined;
    const next = caughtNext ?? (typeof info.definition.Next === 'string' ? info.definition.Next : undefined);
    this.record.position =
      next === undefined ? { end: true, output: (output ?? null) as Json } : { stateName: next, input: (output ?? null) as Json };
  }

  private isTopLevel(event: { state: { name: string }; index?: number }): boolean {
    if (event.index !== undefined) return false;
    if (this.container !== undefined && event.state.name !== this.container) return false;
    return this.deps.definition.states.get(event.state.name)?.topLevel ?? false;
  }

  private stateType(name: string, engineType: string): string {
    return this.deps.definition.states.get(name)?.type ?? engineType;
  }

  // ---- closing ----

  private settle(result: PromiseSettledResult<unknown>): void {
    if (this.closed) return;
    if (result.status === 'fulfilled') {
      this.succeed(result.value as Json);
    } else if (result.reason instanceof ExecutionTimeoutError) {
      this.close('TIMED_OUT', 'ExecutionTimedOut', 'States.Timeout', 'The execution ran longer than its TimeoutSeconds');
    } else {
      const reason = result.reason instanceof ExecutionError ? result.reason.cause : result.reason;
      const error = reason instanceof Error ? reason : new Error(String(reason));
      this.close('FAILED', 'ExecutionFailed', error.name, error.message);
    }
  }

  private succeed(output: Json): void {
    const text = toJsonText(output);
    this.record.output = text;
    this.finish('SUCCEEDED', 'ExecutionSucceeded', { executionSucceededEventDetails: { output: text, outputDetails: { truncated: false } } });
  }

  private close(status: Exclude<ExecutionStatus, 'RUNNING' | 'SUCCEEDED'>, eventType: string, error?: string, cause?: string): void {
    Object.assign(this.record, { error, cause });
    const detailsKey = `${eventType[0]?.toLowerCase()}${eventType.slice(1)}EventDetails`;
    this.finish(status, eventType, { [detailsKey]: { error, cause } });
  }

  private finish(status: ExecutionStatus, eventType: string, details: Record<string, unknown>): void {
    if (this.closed) return;
    this.closed = true;
    const { record } = this;
    record.status = status;
    record.stopDate = Date.now();
    record.pendingTasks = {};
    delete record.position;
    appendEvent(record, eventType, details);
    this.deps.store.save(record);
    this.controller.abort();
    this.abortEngine();
  }

  // ---- local handlers of Task (and rewritten Wait) states ----

  private localHandlers(): Record<string, (input: EngineInput) => Promise<EngineInput>> {
    const entries = this.deps.definition
      .handlerStates()
      .map((state) => [state.name, (input: EngineInput) => this.runStateWhileOpen(state, input as Json) as Promise<EngineInput>] as const);
    return Object.fromEntries(entries);
  }

  /**
   * Once the execution is closed (stopped, finished on another branch, or abandoned) the engine
   * no longer awaits its handlers, and a rejection nobody awaits would surface as an unhandled
   * rejection and take the whole local stack down; so the promise is marked handled. The engine
   * still sees the rejection whenever it does await it.
   */
  private runStateWhileOpen(state: StateInfo, input: Json): Promise<Json> {
    const running = this.runState(state, input);
    running.catch(() => undefined);
    return running;
  }

  private async runState(state: StateInfo, input: Json): Promise<Json> {
    // The engine calls us synchronously right after queueing StateEntered; the event consumer
    // runs on microtasks only, so after one macrotask the entered state is on disk before any
    // side effect starts.
    await nextMacrotask();
    this.assertOpen();
    if (state.topLevel && this.enteredAt(state) === undefined) {
      this.deps.logger.warn('Task started before its state was recorded; a crash now would re-run the previous state', {
        executionArn: this.record.executionArn,
        state: state.name,
      });
    }
    const task = this.deps.tasks.get(state.name);
    if (!task) throw runtimeError(`No resource known for state ${state.name}`);
    if (task.kind === 'wait') return this.wait(state, input);
    const params = insertEnteredTime(input, this.enteredAt(state) ?? Date.now()) as Json;
    return task.waitForTaskToken ? this.runCallbackTask(state, task, params) : this.runTask(state, task, params);
  }

  private async wait(state: StateInfo, input: Json): Promise<Json> {
    const { seconds, timestamp, input: passThrough } = input as { seconds?: unknown; timestamp?: unknown; input: Json };
    let until: number;
    if (seconds !== undefined) {
      if (typeof seconds !== 'number' || !(seconds >= 0)) throw runtimeError(`Wait ${state.name}: seconds must be a non-negative number, got ${toJsonText(seconds)}`);
      until = (this.enteredAt(state) ?? Date.now()) + seconds * 1000;
    } else {
      until = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
      if (Number.isNaN(until)) throw runtimeError(`Wait ${state.name}: invalid timestamp ${toJsonText(timestamp)}`);
    }
    await sleepUntil(until, this.controller.signal);
    this.assertOpen();
    return passThrough;
  }

  private async runTask(state: StateInfo, task: TaskResource, params: Json): Promise<Json> {
    const timeoutSeconds = this.timeoutOf(state);
    const call = this.prepareCall(state, task, params);
    const events = new TaskEvents(this.record, task, regionOf(this.record.executionArn));
    events.scheduled(params, timeoutSeconds);
    this.deps.store.save(this.record);
    try {
      const result = await this.withTimeout(call.handler(call.payload, call.context), timeoutSeconds);
      this.assertOpen();
      const output = task.kind === 'lambda-invoke' ? lambdaInvokeResult(toJson(result)) : toJson(result);
      events.succeeded(output);
      this.deps.store.save(this.record);
      return output;
    } catch (thrown) {
      this.assertOpen();
      const error = isStatesTimeout(thrown) ? (thrown as Error) : this.asTaskError(task, thrown);
      events.failed(error);
      this.deps.store.save(this.record);
      throw error;
    }
  }

  /**
   * The callback pattern: issue a token (or re-use the persisted one after a restart), let the
   * handler deliver it (e.g. SQS SendMessage), then wait for SendTaskSuccess/Failure, a missed
   * heartbeat, the timeout, or the end of the execution. A token whose delivery completed is not
   * delivered again on resume; one whose delivery may not have completed is delivered again,
   * with the same token, so a duplicate is harmless.
   */
  private async runCallbackTask(state: StateInfo, task: TaskResource, params: Json): Promise<Json> {
    const { record } = this;
    const timeoutSeconds = this.timeoutOf(state);
    const heartbeatSeconds = numberField(state, 'HeartbeatSeconds');
    const pending = record.pendingTasks[state.name] ?? this.openTask(state, timeoutSeconds, heartbeatSeconds);
    const resolved = insertToken(params, pending.token) as Json;
    const events = new TaskEvents(record, task, regionOf(record.executionArn));
    try {
      if (!pending.sent) {
        const call = this.prepareCall(state, task, resolved, pending.token);
        events.scheduled(resolved, timeoutSeconds, heartbeatSeconds);
        this.deps.store.save(record);
        let response: unknown;
        try {
          response = await call.handler(call.payload, call.context);
        } catch (thrown) {
          this.assertOpen();
          throw this.asTaskError(task, thrown);
        }
        this.assertOpen();
        pending.sent = true;
        events.submitted(toJson(response));
        this.deps.store.save(record);
      }
      const output = await this.awaitCallback(pending);
      events.succeeded(output);
      return output;
    } catch (error) {
      this.assertOpen();
      events.failed(error as Error);
      throw error;
    } finally {
      if (!this.closed) {
        delete record.pendingTasks[state.name];
        this.deps.store.save(record);
      }
    }
  }

  private openTask(state: StateInfo, timeoutSeconds?: number, heartbeatSeconds?: number): PendingTask {
    const now = Date.now();
    const pending: PendingTask = {
      token: issueToken({ executionArn: this.record.executionArn, stateName: state.name }),
      stateName: state.name,
      issuedAt: now,
      sent: false,
      heartbeatAt: now,
      timeoutAt: timeoutSeconds === undefined ? undefined : now + timeoutSeconds * 1000,
      heartbeatSeconds,
    };
    this.record.pendingTasks[state.name] = pending;
    this.deps.store.save(this.record);
    return pending;
  }

  private async awaitCallback(pending: PendingTask): Promise<Json> {
    for (;;) {
      this.assertOpen();
      const { outcome } = pending;
      if (outcome && 'output' in outcome) return JSON.parse(outcome.output) as Json;
      if (outcome) throw taskError(outcome.error, outcome.cause ?? '');
      const now = Date.now();
      if (pending.timeoutAt !== undefined && now >= pending.timeoutAt) throw timeoutError();
      const heartbeatDue = pending.heartbeatSeconds === undefined ? Infinity : pending.heartbeatAt + pending.heartbeatSeconds * 1000;
      if (now >= heartbeatDue) throw heartbeatTimeoutError();
      const wake = new AbortController();
      const signal = AbortSignal.any([wake.signal, this.controller.signal]);
      await Promise.race([this.deps.callbacks.changed(pending.token, signal), sleepUntil(Math.min(pending.timeoutAt ?? Infinity, heartbeatDue), signal)]);
      wake.abort();
    }
  }

  private prepareCall(state: StateInfo, task: TaskResource, params: Json, taskToken?: string) {
    let payload: unknown = params;
    let functionName: string | undefined;
    if (task.kind === 'lambda-invoke') {
      const request = (params ?? {}) as { FunctionName?: unknown; Payload?: unknown };
      if (typeof request.FunctionName !== 'string') throw runtimeError(`${state.name}: lambda:invoke needs a FunctionName`);
      functionName = request.FunctionName;
      payload = request.Payload ?? {};
    }
    const handler: TaskHandler | undefined = this.deps.handlers.find(handlerKeys(task, functionName));
    if (!handler) throw runtimeError(`No local task handler for ${functionName ?? task.resource} (state ${state.name})`);
    const { record } = this;
    const context: TaskContext = {
      taskToken,
      executionArn: record.executionArn,
      executionName: record.name,
      stateMachineArn: record.stateMachineArn,
      stateName: state.name,
      resource: functionName ?? task.resource,
    };
    return { handler, payload, context };
  }

  private async withTimeout<T>(work: Promise<T>, seconds: number | undefined): Promise<T> {
    if (seconds === undefined) return work;
    const timer = new AbortController();
    const expired = sleepUntil(Date.now() + seconds * 1000, AbortSignal.any([timer.signal, this.controller.signal])).then(() => {
      throw timeoutError();
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      timer.abort();
    }
  }

  /**
   * TimeoutSeconds, or TimeoutSecondsPath evaluated against the state's input (as AWS does, not
   * against its Parameters); the input is the one recorded when the state was entered.
   */
  private timeoutOf(state: StateInfo): number | undefined {
    const fixed = numberField(state, 'TimeoutSeconds');
    const path = state.definition.TimeoutSecondsPath;
    if (fixed !== undefined || typeof path !== 'string') return fixed;
    const position = this.record.position as Position | undefined;
    if (!state.topLevel || position?.stateName !== state.name) {
      throw runtimeError(`${state.name}: TimeoutSecondsPath is only supported on top-level states locally`);
    }
    const seconds = referencePath(position.input, path);
    if (typeof seconds !== 'number' || !(seconds > 0)) {
      throw runtimeError(`${state.name}: TimeoutSecondsPath ${path} must select a positive number, got ${toJsonText(seconds)}`);
    }
    return seconds;
  }

  private asTaskError(task: TaskResource, thrown: unknown): Error {
    return task.kind === 'integration' ? integrationError(thrown) : lambdaError(thrown);
  }

  private assertOpen(): void {
    if (this.closed) throw abandonedError();
  }

  private enteredAt(state: StateInfo): number | undefined {
    const position = this.record.position as Position | undefined;
    return state.topLevel && position?.stateName === state.name ? position.enteredAt : undefined;
  }

  private contextObject() {
    const { record } = this;
    const execution = {
      Id: record.executionArn,
      Input: JSON.parse(record.input) as Json,
      Name: record.name,
      RoleArn: LOCAL_ROLE_ARN,
      StartTime: new Date(record.startDate).toISOString(),
      RedriveCount: 0,
    };
    const machineName = record.stateMachineName;
    return { Execution: execution, LocalExecution: execution, StateMachine: { Id: record.stateMachineArn, Name: machineName } };
  }
}

/** An ASL reference path of plain fields (`$.a.b`), the only form the timeout paths need. */
function referencePath(input: Json, path: string): unknown {
  if (!/^\$(\.[A-Za-z_][\w-]*)*$/.test(path)) throw runtimeError(`Unsupported reference path ${path}`);
  return path
    .split('.')
    .slice(1)
    .reduce<unknown>((value, field) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined), input);
}

function numberField(state: StateInfo, field: string): number | undefined {
  const value = state.definition[field];
  return typeof value === 'number' ? value : undefined;
}

function isStatesTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'States.Timeout' || error.name === 'States.HeartbeatTimeout');
}

/** What crosses the wire on AWS is JSON: Dates become strings, undefined becomes null. */
function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? null)) as Json;
}
