import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { Conflict } from '../../functions/domain/errors';
import type { ApiEvent } from '../../functions/shared/http';
import { BUSINESS_METRICS, METRICS_NAMESPACE } from '../../lib/business-metrics';
import { ENV } from '../../lib/env-names';

// The metrics' tenant dimension is read once, when the module loads.
process.env[ENV.tenant] = 'acme';
delete process.env.POWERTOOLS_LOG_LEVEL;
const observability = await import('../../functions/shared/observability');
const businessEvents = await import('../../functions/shared/business-events');
const { apiHandler, ok, routeSpec } = await import('../../functions/shared/http');
const { logger } = await import('../../functions/shared/logger');

/** Every JSON line written to stdout and stderr while `act` runs (where Powertools prints logs and EMF). */
async function printedLines(act: () => unknown): Promise<Record<string, any>[]> {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }),
  );
  try {
    await act();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.flatMap((line) => line.split('\n')).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

const emf = (lines: Record<string, any>[]) => lines.filter((line) => line._aws);
const context = { functionName: 'crowdstart-test', awsRequestId: 'aws-req-1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:crowdstart-test', memoryLimitInMB: '1024', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

function apiEvent(requestId: string): ApiEvent {
  return {
    headers: {},
    routeKey: 'GET /products',
    rawPath: '/products',
    requestContext: { requestId, http: { method: 'GET' } },
  } as unknown as ApiEvent;
}

describe('business metrics as EMF', () => {
  it('prints one embedded-metric document per event, in the Crowdstart namespace, with service and tenant, and the correlation id', async () => {
    // Act
    const lines = await printedLines(() => businessEvents.countBusinessEvent('ordersPaid', { correlationId: 'req-abc' }));

    // Assess
    expect(emf(lines)).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'tenant']], Metrics: [{ Name: BUSINESS_METRICS.ordersPaid.name, Unit: 'Count' }] }],
        },
        service: 'crowdstart',
        tenant: 'acme',
        OrdersPaid: 1,
        correlation_id: 'req-abc',
      },
    ]);
  });

  it('gives the webhook lag in milliseconds', async () => {
    // Act
    const [doc] = emf(await printedLines(() => businessEvents.countBusinessEvent('webhookLagMs', { value: 1234 })));

    // Assess
    expect(doc!._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'WebhookLagMs', Unit: 'Milliseconds' }]);
    expect(doc!.WebhookLagMs).toBe(1234);
  });

  it.each([
    ['PAID', 'succeeded', ['OrdersPaid']],
    ['PAYMENT_FAILED', 'failed', ['OrdersPaymentFailed']],
    ['CANCELLED', 'canceled', ['OrdersCancelled']],
    ['CANCELLED', 'refunded', ['OrdersCancelled', 'OrdersRefunded']],
    ['REFUNDED', 'refunded', ['OrdersRefunded']],
    ['FULFILLED', undefined, []],
    ['REQUIRES_ACTION', 'requires_action', []],
  ] as const)('counts a committed move to %s (payment %s) as %j', async (to, payment, names) => {
    // Act
    const docs = emf(await printedLines(() => businessEvents.countOrderTransition(to, payment, 'req-1')));

    // Assess
    expect(docs.map((doc) => doc._aws.CloudWatchMetrics[0].Metrics[0].Name)).toEqual(names);
  });
});

describe('correlation ids in the logs', () => {
  it("logs an API request with its request id as correlation id and the Lambda context, and counts a 409 INSUFFICIENT_STOCK as a stock-out", async () => {
    // Prepare
    const handler = apiHandler(routeSpec('list-products', { middlewares: [businessEvents.countStockOuts] }), async () => {
      logger.info('looking for stock');
      throw new Conflict('INSUFFICIENT_STOCK', 'Not enough stock.');
    });

    // Act
    const lines = await printedLines(() => handler(apiEvent('req-stock-1'), context));

    // Assess
    const log = lines.find((line) => line.message === 'looking for stock');
    expect(log).toMatchObject({ correlation_id: 'req-stock-1', function_name: 'crowdstart-test', function_request_id: 'aws-req-1' });
    expect(emf(lines)).toEqual([expect.objectContaining({ StockOuts: 1, correlation_id: 'req-stock-1' })]);
  });

  it('does not count other conflicts as stock-outs, nor carry one request’s id into the next', async () => {
    // Prepare
    const handler = apiHandler(routeSpec('list-products', { middlewares: [businessEvents.countStockOuts] }), async () => {
      throw new Conflict('PRICE_CHANGED', 'The price changed.');
    });
    const quiet = apiHandler(routeSpec('list-products'), async () => {
      logger.info('no id here');
      return ok({});
    });
    await printedLines(() => handler(apiEvent('req-price-1'), context));

    // Act
    const lines = await printedLines(() => quiet({ ...apiEvent('req-2'), requestContext: { http: { method: 'GET' } } } as unknown as ApiEvent, context));

    // Assess
    expect(emf(lines)).toEqual([]);
    expect(lines.find((line) => line.message === 'no id here')).not.toHaveProperty('correlation_id');
  });

  it('logs a workflow task with the correlation id its state carries, and drops it after the invocation', async () => {
    // Prepare
    const task = observability.observedHandler(async (state: { orderId: string; correlationId?: string }) => {
      logger.info('task ran', { orderId: state.orderId });
    });

    // Act
    const withId = await printedLines(() => task({ orderId: 'ord_1', correlationId: 'req-order-1' }, context));
    const without = await printedLines(() => task({ orderId: 'ord_2' }, context));

    // Assess
    expect(withId.find((line) => line.message === 'task ran')).toMatchObject({ correlation_id: 'req-order-1', orderId: 'ord_1', function_name: 'crowdstart-test' });
    expect(without.find((line) => line.message === 'task ran')).not.toHaveProperty('correlation_id');
  });

  it('reads and writes the correlation id as an SQS message attribute', () => {
    // Act
    const attributes = observability.correlationAttributes('req-q-1');

    // Assess
    expect(attributes).toEqual({ correlationId: { DataType: 'String', StringValue: 'req-q-1' } });
    expect(observability.correlationIdOf({ messageAttributes: { correlationId: { dataType: 'String', stringValue: 'req-q-1' } } })).toBe('req-q-1');
    expect(observability.correlationAttributes(undefined)).toBeUndefined();
    expect(observability.correlationIdOf({ messageAttributes: {} })).toBeUndefined();
  });
});
