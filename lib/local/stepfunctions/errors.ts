import { StateMachine } from 'aws-local-stepfunctions';

/**
 * An error of the Step Functions API, rendered as `{ "__type": code, "message": … }` with a 400,
 * which the AWS SDK turns into its modeled exception (`TaskDoesNotExist`, `InvalidToken`…).
 */
export class SfnServiceError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: string,
    message: string,
    statusCode = 400,
  ) {
    super(message);
    this.name = code;
    this.statusCode = statusCode;
  }
}

/*
 * Errors thrown into aws-local-stepfunctions from task handlers. The engine matches Retry and
 * Catch on `error.name`, reads `isRetryable`/`isCatchable` (default true), and keeps
 * `States.TaskFailed` from matching timeouts by an `instanceof` check against its internal
 * StatesTimeoutError class, which it does not export.
 */

/** A task failure that Retry/Catch match by `name`; `cause` becomes the Catch output's Cause. */
export function taskError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

/** States.Runtime: neither retried nor caught, the execution fails (as on AWS). */
export function runtimeError(message: string): Error {
  return Object.assign(taskError('States.Runtime', message), { isRetryable: false, isCatchable: false });
}

/** Ends a handler whose execution was stopped or abandoned; nothing may retry or catch it. */
export function abandonedError(): Error {
  return Object.assign(taskError('States.Runtime', 'Execution no longer running'), {
    isRetryable: false,
    isCatchable: false,
  });
}

/** The shape AWS gives a failed Lambda: Error = errorType, Cause = the JSON error object. */
export function lambdaError(thrown: unknown): Error {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const errorType = error.name || 'Error';
  const trace = (error.stack ?? '').split('\n').map((line) => line.trim());
  return taskError(errorType, JSON.stringify({ errorType, errorMessage: error.message, trace }));
}

/** Error of an integration (SQS…): Error = the error's name, Cause = its message. */
export function integrationError(thrown: unknown): Error {
  if (thrown instanceof Error) return taskError(thrown.name || 'Error', thrown.message);
  return taskError('Error', String(thrown));
}

type ErrorClass = new () => Error;
let statesTimeoutError: ErrorClass | undefined;

/**
 * Finds the engine's StatesTimeoutError class by letting a 1 ms task time out once, so that our
 * own timeouts (resumable TimeoutSeconds, HeartbeatSeconds) behave like the engine's:
 * `States.TaskFailed` does not catch them.
 */
export async function loadStatesTimeoutError(): Promise<void> {
  if (statesTimeoutError) return;
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: {
        Probe: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe', TimeoutSeconds: 0.001, End: true },
      },
    },
    { validationOptions: { noValidate: true } },
  );
  const run = probe.run({}, { overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => {}) } } });
  const cause = await run.result.then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.cause : undefined),
  );
  statesTimeoutError =
    cause instanceof Error && cause.name === 'States.Timeout'
      ? (cause.constructor as ErrorClass)
      : class extends Error {
          constructor() {
            super('States.Timeout');
            this.name = 'States.Timeout';
          }
        };
}

/** States.Timeout: TimeoutSeconds elapsed. */
export function timeoutError(): Error {
  if (!statesTimeoutError) throw new Error('loadStatesTimeoutError() was not awaited');
  return new statesTimeoutError();
}

/** States.HeartbeatTimeout (the definition is rewritten so that `States.Timeout` matches it too). */
export function heartbeatTimeoutError(): Error {
  const error = timeoutError();
  error.name = 'States.HeartbeatTimeout';
  error.message = 'States.HeartbeatTimeout';
  return error;
}
