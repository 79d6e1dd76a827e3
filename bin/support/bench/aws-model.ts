/**
 * A modelled AWS latency per operation: what the recorded call chain would take on AWS, from
 * published or commonly measured figures, not from this machine. p50 only; one table, so a
 * better figure is one edit.
 */
import { median } from './stats';
import type { Call, InvocationShape } from './trips';

export const AWS_LATENCY_MS = {
  // API Gateway HTTP API's own overhead per request. AWS publishes no figure (only that HTTP APIs
  // have lower latency than REST APIs); ASSUMED from community measurements of a few to ~10 ms.
  apiGateway: 8,
  // A warm Lambda invoke's service overhead plus a thin handler's own compute at 1024 MB. ASSUMED:
  // AWS publishes no invoke overhead; REPORT lines of thin handlers typically show a few ms.
  lambdaWarm: 4,
  // DynamoDB: "single-digit millisecond" at any scale (aws.amazon.com/dynamodb); in-region
  // GetItem/Query p50 is typically 3–5 ms, a single-item write a little more.
  dynamodbRead: 4,
  dynamodbWrite: 6,
  // Transactions do two phases (the DynamoDB developer guide: a transactional item costs twice the
  // capacity); ASSUMED twice a single write's latency.
  dynamodbTransaction: 12,
  // Step Functions StartExecution / SendTaskSuccess and SQS SendMessage, in-region API calls. ASSUMED.
  stepFunctions: 25,
  sqs: 10,
  // A Stripe API call from AWS. ASSUMED: Stripe publishes no latency figure.
  stripe: 300,
} as const;

function callMs(call: Pick<Call, 'service' | 'operation'>): number {
  if (call.service === 'sfn') return AWS_LATENCY_MS.stepFunctions;
  if (call.service === 'sqs') return AWS_LATENCY_MS.sqs;
  if (call.service === 'stripe') return AWS_LATENCY_MS.stripe;
  if (call.operation.startsWith('Transact')) return AWS_LATENCY_MS.dynamodbTransaction;
  return /^(Get|BatchGet|Query|Scan|Describe)/.test(call.operation) ? AWS_LATENCY_MS.dynamodbRead : AWS_LATENCY_MS.dynamodbWrite;
}

/** Median over the invocations of: API Gateway + Lambda + each sequential group's slowest call. */
export function modelledMs(shapes: readonly InvocationShape[]): number {
  return median(
    shapes.map((s) => AWS_LATENCY_MS.apiGateway + AWS_LATENCY_MS.lambdaWarm + s.groups.reduce((ms, group) => ms + Math.max(...group.map(callMs)), 0)),
  );
}
