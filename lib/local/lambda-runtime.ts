import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { memoryOf } from '../function-memory';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const FUNCTIONS_DIR = join(import.meta.dirname, '..', '..', 'functions');
const loaded = new Map<string, Promise<Handler>>();
const settledListeners = new Set<() => void>();

/**
 * Calls `listener` each time an invocation ends: whatever it wrote is in the table (and on its
 * stream) by then, so the local event sources poll at once instead of waiting out an idle backoff.
 * Returns the unsubscribe function.
 */
export function onInvocationSettled(listener: () => void): () => void {
  settledListeners.add(listener);
  return () => settledListeners.delete(listener);
}

/** Runs around every invocation (the call recorder's, lib/local/call-recorder.ts); none by default. */
export type InvocationObserver = (module: string, context: Context, invoke: () => Promise<unknown>, event: unknown) => Promise<unknown>;
let observer: InvocationObserver | undefined;

export function observeInvocations(next: InvocationObserver | undefined): void {
  observer = next;
}

/**
 * Every handler runs in this one process, many at once, as on a Lambda Managed Instance with
 * several concurrent invocations: with AWS_LAMBDA_MAX_CONCURRENCY set and the runtime's
 * InvokeStore in place, Powertools keeps each invocation's log keys (its correlation id) and
 * metrics apart, so one request's lines never carry another's id.
 */
process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';
const invokeStore = await InvokeStore.getInstanceAsync(true);

/**
 * At most AWS_LAMBDA_MAX_CONCURRENCY invocations of one function run at once; the others wait,
 * in arrival order, before their handler starts, so a handler's deadline counts only its own run.
 * On AWS a burst never waits inside a handler: API Gateway hands each request to Lambda, which
 * scales the function out (a new environment per concurrent request, or on Managed Instances up
 * to 64 requests per vCPU in each environment, more environments as they fill) and throttles
 * (TooManyRequestsException) only past the account's or the function's reserved concurrency.
 * Here every function has one environment, this process: admitting 500 requests at once would
 * share two cores among 500 running handlers, each one's clock running while it waits for CPU,
 * and the handlers would time out (the flash-sale test's 500 buyers did). Waiting for a slot
 * stands in for waiting for a scale-out; past the slot, a handler runs as it would on AWS.
 */
const admissions = new Map<string, LimitFunction>();
const admissionOf = (module: string) => {
  let admit = admissions.get(module);
  if (!admit) admissions.set(module, (admit = pLimit(Number(process.env.AWS_LAMBDA_MAX_CONCURRENCY))));
  return admit;
};

/**
 * Invokes the `handler` export of a module under functions/ (e.g. 'api/get-product') the way
 * Lambda would: the module is loaded once (module-scope clients are reused like a warm
 * container) and called, once admitted (see admissionOf), with the event and a Lambda-like
 * context whose deadline starts then.
 */
export async function invokeFunction(module: string, event: unknown, timeoutMs = 30_000): Promise<unknown> {
  const handler = await loadHandler(module);
  return admissionOf(module)(async () => {
    const context = lambdaContext(module, timeoutMs);
    const invoke = () => invokeStore.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, () => handler(event, context));
    try {
      return await (observer ? observer(module, context, invoke, event) : invoke());
    } finally {
      for (const listener of settledListeners) listener();
    }
  });
}

function loadHandler(module: string): Promise<Handler> {
  let handler = loaded.get(module);
  if (!handler) {
    handler = import(join(FUNCTIONS_DIR, `${module}.ts`)).then((m: { handler?: Handler }) => {
      if (typeof m.handler !== 'function') throw new Error(`functions/${module}.ts exports no handler`);
      return m.handler;
    });
    loaded.set(module, handler);
  }
  return handler;
}

function lambdaContext(module: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const functionName = `crowdstart-local-${module.replace(/\W+/g, '-')}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryOf(module)),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
