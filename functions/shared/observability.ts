/**
 * Logs with Powertools for AWS Lambda, around the shared logger (logger.ts); business metrics
 * are in business-events.ts, so that only the functions that count one bundle Powertools
 * Metrics. One correlation id follows an order: the API request id of its checkout
 * (x-request-id), kept on the order (`correlationId`), in its workflow's input, on the SQS
 * messages about it (message attribute `correlationId`) and in the metadata of its
 * PaymentIntent, so one search of the id in the logs finds the order's whole story.
 *
 * Tracing is X-Ray active tracing on every function (lib/constructs/service-functions.ts), not
 * Powertools Tracer: the X-Ray SDK it pulls in is large against the 300 KB bundle cap, and
 * active tracing already gives each invocation its trace segment.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSMessageAttributes } from 'aws-lambda';
import type { ApiEvent, ApiResponse } from './api-event';
import { logger } from './logger';

/** The SQS message attribute (and PaymentIntent metadata key) that carries the correlation id. */
export const CORRELATION_ATTRIBUTE = 'correlationId';

/** Sets the correlation id of what the current invocation logs from now on; none clears it. */
export function useCorrelationId(correlationId: string | undefined): void {
  if (correlationId) logger.setCorrelationId(correlationId);
  else logger.removeKeys(['correlation_id']);
}

/** The correlation id the current invocation logs with, if one was set. */
export function currentCorrelationId(): string | undefined {
  const id: unknown = logger.getCorrelationId();
  return typeof id === 'string' ? id : undefined;
}

/** The correlation id an SQS record carries as a message attribute. */
export function correlationIdOf(record: { readonly messageAttributes?: SQSMessageAttributes }): string | undefined {
  return record.messageAttributes?.[CORRELATION_ATTRIBUTE]?.stringValue ?? undefined;
}

/** SendMessage's MessageAttributes carrying `correlationId`, or none without one. */
export function correlationAttributes(correlationId: string | undefined) {
  return correlationId ? { [CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: correlationId } } : undefined;
}

/**
 * The API routes' part of the middy stack: Powertools' Lambda context in every log line and the
 * request id (x-request-id) as the correlation id.
 */
export function observeApi(): MiddlewareObj<ApiEvent, ApiResponse>[] {
  return [injectLambdaContext(logger, { resetKeys: true }), { before: ({ event }) => useCorrelationId(event.requestContext?.requestId) }];
}

/**
 * A workflow task or event consumer with the same logging: the Lambda context in its lines and,
 * when its event names one (`correlationId`, as the workflow state does), the correlation id.
 */
export function observedHandler<E, R>(handle: (event: E, context: Context) => Promise<R>) {
  const observed = middy<E, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .before(({ event }) => {
      const correlationId = (event as { correlationId?: unknown } | null)?.correlationId;
      if (typeof correlationId === 'string') useCorrelationId(correlationId);
    })
    .handler(handle);
  // Lambda always passes a context; tests that call a handler directly may not.
  return (event: E, context: Context = NO_CONTEXT) => observed(event, context);
}

/** Without getRemainingTimeInMillis, so middy sets no early timeout. */
const NO_CONTEXT = { awsRequestId: 'none', functionName: 'none' } as unknown as Context;
