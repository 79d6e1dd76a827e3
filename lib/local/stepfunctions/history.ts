import type { TaskResource } from './task-resources';
import type { ExecutionRecord } from './types';

/**
 * Appends GetExecutionHistory events to a record, in AWS's types and detail shapes, so an
 * execution reads like it does in the console: `TaskStateEntered`, `TaskScheduled`,
 * `TaskSubmitted`, `TaskSucceeded`, `TaskStateExited`, `ExecutionSucceeded`…
 */

const noTruncation = { truncated: false };

export function toJsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function appendEvent(record: ExecutionRecord, type: string, details: Record<string, unknown> = {}, timestamp = Date.now()): void {
  const id = record.history.length + 1;
  record.history.push({ id, previousEventId: id - 1, timestamp, type, ...details });
}

export function stateEntered(record: ExecutionRecord, stateType: string, name: string, input: unknown, timestamp: number): void {
  appendEvent(record, `${stateType}StateEntered`, { stateEnteredEventDetails: { name, input: toJsonText(input), inputDetails: noTruncation } }, timestamp);
}

export function stateExited(record: ExecutionRecord, stateType: string, name: string, output: unknown, timestamp: number): void {
  appendEvent(record, `${stateType}StateExited`, { stateExitedEventDetails: { name, output: toJsonText(output), outputDetails: noTruncation } }, timestamp);
}

/** Events of one task attempt; a plain Lambda ARN gets AWS's `LambdaFunction…` events. */
export class TaskEvents {
  private readonly lambda: boolean;
  private readonly target: { resourceType: string; resource: string };

  constructor(
    private readonly record: ExecutionRecord,
    private readonly task: TaskResource,
    private readonly region: string,
  ) {
    this.lambda = task.kind === 'lambda';
    this.target = { resourceType: task.resourceType, resource: task.resourceAction };
  }

  scheduled(parameters: unknown, timeoutSeconds?: number, heartbeatSeconds?: number): void {
    if (this.lambda) {
      this.add('LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: { resource: this.task.resource, input: toJsonText(parameters), inputDetails: noTruncation, timeoutInSeconds: timeoutSeconds },
      });
      this.add('LambdaFunctionStarted', {});
      return;
    }
    this.add('TaskScheduled', {
      taskScheduledEventDetails: {
        ...this.target,
        region: this.region,
        parameters: toJsonText(parameters),
        timeoutInSeconds: timeoutSeconds,
        heartbeatInSeconds: heartbeatSeconds,
      },
    });
    this.add('TaskStarted', { taskStartedEventDetails: this.target });
  }

  submitted(output: unknown): void {
    this.add('TaskSubmitted', { taskSubmittedEventDetails: { ...this.target, output: toJsonText(output), outputDetails: noTruncation } });
  }

  succeeded(output: unknown): void {
    const details = { output: toJsonText(output), outputDetails: noTruncation };
    if (this.lambda) this.add('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: details });
    else this.add('TaskSucceeded', { taskSucceededEventDetails: { ...this.target, ...details } });
  }

  failed(error: Error): void {
    const timedOut = error.name === 'States.Timeout' || error.name === 'States.HeartbeatTimeout';
    const details = { error: error.name, cause: error.message };
    if (this.lambda) {
      if (timedOut) this.add('LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: details });
      else this.add('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: details });
    } else if (timedOut) this.add('TaskTimedOut', { taskTimedOutEventDetails: { ...this.target, ...details } });
    else this.add('TaskFailed', { taskFailedEventDetails: { ...this.target, ...details } });
  }

  private add(type: string, details: Record<string, unknown>): void {
    appendEvent(this.record, type, details);
  }
}
