/** Types shared by the local Step Functions service: its public options and what it persists. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a task handler learns about the Task state that invokes it. */
export interface TaskContext {
  /** Set for `.waitForTaskToken` resources: the token that SendTaskSuccess/Failure must quote. */
  readonly taskToken?: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly stateMachineArn: string;
  readonly stateName: string;
  /** The Lambda function (name or ARN as written in the ASL) or the integration resource ARN. */
  readonly resource: string;
}

/**
 * Runs the side effect of a Task state locally. For Lambda resources `input` is the function's
 * event and the result is what the function returns; for service integrations
 * (`arn:aws:states:::sqs:sendMessage`…) `input` is the resolved `Parameters` and the result is
 * the API response. Throwing fails the task (the error's `name` is what Retry/Catch match).
 */
export type TaskHandler = (input: unknown, context: TaskContext) => Promise<unknown>;

export interface StateMachineSpec {
  readonly name: string;
  /** @default arn:aws:states:<region>:<account>:stateMachine:<name> */
  readonly arn?: string;
  /** The Amazon States Language definition (JSONPath query language). */
  readonly definition: object;
}

/** Anything with these methods: console, or a Powertools Logger. */
export interface ServiceLogger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export interface StepFunctionsServiceOptions {
  /** Port of the JSON-protocol endpoint; 0 (the default) takes a free one. */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Where executions, their history and pending task tokens are kept (one JSON file each). */
  readonly dataDir: string;
  readonly stateMachines: readonly StateMachineSpec[];
  /**
   * Local implementations of Task resources. A key matches a state when it equals its Resource
   * ARN, the integration without its `.waitForTaskToken` suffix
   * (`arn:aws:states:::sqs:sendMessage`), or — for Lambda — the function ARN or bare function
   * name; `*` in a key is a wildcard (`arn:aws:lambda:*:*:function:crowdstart-*`).
   */
  readonly taskHandlers: Readonly<Record<string, TaskHandler>>;
  readonly logger?: ServiceLogger;
  /** Region and account of state machines given without an ARN. @default us-east-1, 000000000000 */
  readonly region?: string;
  readonly accountId?: string;
}

export interface StepFunctionsService {
  readonly url: string;
  readonly port: number;
  /**
   * Closes the endpoint and abandons the running executions exactly as a crash would: nothing
   * is written, so the next start on the same dataDir resumes them.
   */
  stop(): Promise<void>;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A history event in the wire shape of GetExecutionHistory, with `timestamp` in epoch ms. */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** Where a running execution stands; a resume restarts at `stateName` with `input`. */
export interface Position {
  stateName: string;
  input: Json;
  /** Unset when the previous state exited but this one was not entered yet. */
  enteredAt?: number;
  /** Set when a top-level Catch routed the current state's error (the next state is the catcher's). */
  caughtNext?: string;
}

/** An open `.waitForTaskToken` task: persisted so its token survives a restart. */
export interface PendingTask {
  token: string;
  stateName: string;
  issuedAt: number;
  /** The handler (e.g. the SQS send) completed; a resume then only waits, it does not resend. */
  sent: boolean;
  heartbeatAt: number;
  timeoutAt?: number;
  heartbeatSeconds?: number;
  /** SendTaskSuccess/Failure arrived and is persisted before the API answers. */
  outcome?: { output: string } | { error: string; cause?: string };
}

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly name: string;
  /** The input exactly as given to StartExecution (idempotency compares it verbatim). */
  readonly input: string;
  readonly startDate: number;
  status: ExecutionStatus;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** `{ end: true }` once the last state exited but the execution was not closed yet. */
  position?: Position | { end: true; output: Json };
  pendingTasks: Record<string, PendingTask>;
  history: HistoryEvent[];
}
