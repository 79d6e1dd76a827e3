import { randomUUID } from 'node:crypto';
import { WAIT_RESOURCE } from './definition';
import type { Json, TaskHandler } from './types';

/**
 * What a Task state's Resource means, and which local handler serves it.
 *
 * | Resource                                         | kind          | handler input → state result          |
 * | ------------------------------------------------ | ------------- | ------------------------------------- |
 * | arn:aws:lambda:<r>:<a>:function:<name>           | lambda        | effective input → function result     |
 * | arn:aws:states:::lambda:invoke                   | lambda-invoke | Parameters.Payload → { Payload, … }   |
 * | arn:aws:states:::<service>:<action>              | integration   | Parameters → API response             |
 * | any of the two above + .waitForTaskToken         | (same)        | handler sends, SendTask* gives result |
 * | WAIT_RESOURCE (a rewritten Wait state)           | wait          | no handler: sleeps                    |
 */
export type TaskKind = 'lambda' | 'lambda-invoke' | 'integration' | 'wait';

export interface TaskResource {
  readonly kind: TaskKind;
  readonly resource: string;
  readonly waitForTaskToken: boolean;
  /** For history events: `lambda`, `sqs`… and `invoke`, `sendMessage.waitForTaskToken`… */
  readonly resourceType: string;
  readonly resourceAction: string;
}

const LAMBDA_ARN = /^arn:[\w-]+:lambda:[\w-]+:\d+:function:[^:]+(:[^:]+)?$/;
const INTEGRATION_ARN = /^arn:[\w-]+:states:::([\w-]+):([\w.:-]+)$/;

/** Throws for resources the local engine cannot serve (activities, unknown ARNs). */
export function classifyResource(resource: string): TaskResource {
  if (resource === WAIT_RESOURCE) {
    return { kind: 'wait', resource, waitForTaskToken: false, resourceType: 'local', resourceAction: 'wait' };
  }
  if (LAMBDA_ARN.test(resource)) {
    return { kind: 'lambda', resource, waitForTaskToken: false, resourceType: 'lambda', resourceAction: 'invoke' };
  }
  const integration = INTEGRATION_ARN.exec(resource);
  if (integration) {
    const [, service = '', action = ''] = integration;
    const waitForTaskToken = action.endsWith('.waitForTaskToken');
    const kind = service === 'lambda' && action.startsWith('invoke') ? 'lambda-invoke' : 'integration';
    return { kind, resource, waitForTaskToken, resourceType: service, resourceAction: action };
  }
  throw new Error(`Task resource ${resource} is not supported locally (Lambda and arn:aws:states::: integrations are)`);
}

/** `name` of `name`, `name:alias`, `arn:…:function:name[:alias]` or `account:function:name`. */
export function functionNameOf(ref: string): string {
  const afterFunction = ref.includes(':function:') ? ref.slice(ref.indexOf(':function:') + 10) : ref;
  return afterFunction.split(':')[0] ?? afterFunction;
}

/** The keys under which a handler for this task may be registered, most specific first. */
export function handlerKeys(task: TaskResource, functionName?: string): string[] {
  const base = task.resource.replace(/\.waitForTaskToken$/, '');
  switch (task.kind) {
    case 'lambda':
      return [task.resource, task.resource.replace(/(:function:[^:]+):[^:]+$/, '$1'), functionNameOf(task.resource)];
    case 'lambda-invoke':
      return [...(functionName ? [functionName, functionNameOf(functionName)] : []), task.resource, base];
    case 'integration':
      return [task.resource, base];
    case 'wait':
      return [];
  }
}

/** Looks task handlers up by exact key first, then by `*` patterns. */
export class TaskHandlerTable {
  private readonly patterns: [RegExp, TaskHandler][];

  constructor(private readonly handlers: Readonly<Record<string, TaskHandler>>) {
    this.patterns = Object.entries(handlers)
      .filter(([key]) => key.includes('*'))
      .map(([key, handler]) => [new RegExp(`^${key.split('*').map(escapeRegExp).join('.*')}$`), handler]);
  }

  find(keys: readonly string[]): TaskHandler | undefined {
    for (const key of keys) {
      const handler = Object.hasOwn(this.handlers, key) ? this.handlers[key] : undefined;
      if (handler) return handler;
    }
    for (const key of keys) {
      const match = this.patterns.find(([pattern]) => pattern.test(key));
      if (match) return match[1];
    }
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** What `arn:aws:states:::lambda:invoke` returns on AWS around the function's result. */
export function lambdaInvokeResult(payload: unknown): Json {
  const requestId = randomUUID();
  return {
    ExecutedVersion: '$LATEST',
    Payload: (payload ?? null) as Json,
    SdkHttpMetadata: {
      HttpHeaders: { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': requestId },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}
