import { buffer } from 'node:stream/consumers';
import { Agent, createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Transient DynamoDB errors, injected locally: an HTTP proxy in front of DynamoDB Local that the
 * handlers' AWS_ENDPOINT_URL_DYNAMODB points at. A share of requests (`rate`, 0..1) is answered
 * with the error AWS itself would send, without reaching the engine (DynamoDB did no work), so
 * the handler code meets these paths unchanged:
 *
 * | request            | injected answer (HTTP 400, the JSON protocol's error shape)            |
 * | ------------------ | ---------------------------------------------------------------------- |
 * | any                | ProvisionedThroughputExceededException or ThrottlingException          |
 * | TransactWriteItems | also TransactionCanceledException, one item's reason TransactionConflict |
 *
 * The SDK retries the throttling errors itself; a TransactionConflict is retried by our own code
 * (functions/adapters/dynamodb/stock-repository.ts). DynamoDB Local never raises either.
 * Hand-written: no package fakes DynamoDB's error shapes in front of a real engine.
 *
 * `POST /_local/faults {"rate": 0.1}` changes the rate at run time (the soak turns faults off
 * before it inspects the final state); `GET /_local/faults` answers the rate and the counts.
 */
export interface DynamoDbFaultProxy {
  readonly endpoint: string;
  /** Faults answered so far, by error name. */
  readonly injected: Readonly<Record<string, number>>;
  setRate(rate: number): void;
  stop(): Promise<void>;
}

const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

export async function startDynamoDbFaultProxy(target: string, rate: number): Promise<DynamoDbFaultProxy> {
  let faultRate = checkedRate(rate);
  const injected: Record<string, number> = {};
  const agent = new Agent({ keepAlive: true });
  const targetUrl = new URL(target);

  const server = createServer((req, res) => {
    buffer(req).then(
      (body) => {
        if (req.url === '/_local/faults') return answerControl(req.method === 'POST' ? body : undefined, res);
        const fault = faultRate > 0 && Math.random() < faultRate ? faultFor(req, body) : undefined;
        if (fault) {
          injected[fault.name] = (injected[fault.name] ?? 0) + 1;
          return sendJson(res, 400, fault.body);
        }
        pass(req, body, res);
      },
      () => res.destroy(),
    );
  });

  /** GET: the rate and what was injected; POST `{ rate }`: a new rate. */
  const answerControl = (body: Buffer | undefined, res: ServerResponse) => {
    try {
      if (body) faultRate = checkedRate(Number((JSON.parse(body.toString() || '{}') as { rate?: unknown }).rate));
      sendJson(res, 200, { rate: faultRate, injected });
    } catch (error) {
      sendJson(res, 400, { message: (error as Error).message });
    }
  };

  const pass = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const upstream = forward(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // The engine went away (the stack is stopping): drop the connection, as a network fault would.
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    setRate: (next) => {
      faultRate = checkedRate(next);
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      agent.destroy();
    },
  };
}

/** The error one request gets: a conflict for half the faulted transactions, throttling otherwise. */
export function faultFor(req: Pick<IncomingMessage, 'headers'>, body: Buffer): { name: string; body: object } {
  const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
  if (operation === 'TransactWriteItems' && Math.random() < 0.5) {
    const items = (JSON.parse(body.toString()) as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
    return { name: 'TransactionConflict', body: transactionConflict(items, Math.floor(Math.random() * items)) };
  }
  const name = Math.random() < 0.5 ? 'ProvisionedThroughputExceededException' : 'ThrottlingException';
  return { name, body: { __type: ERROR_PREFIX + name, message: throttlingMessage(name) } };
}

/** DynamoDB's answer when a concurrent transaction holds one of the items: one reason per item, in order. */
export function transactionConflict(items: number, conflicting: number) {
  const reasons = Array.from({ length: items }, (_, i) =>
    i === conflicting ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
  );
  return {
    __type: ERROR_PREFIX + 'TransactionCanceledException',
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    CancellationReasons: reasons,
  };
}

function throttlingMessage(name: string): string {
  return name === 'ThrottlingException'
    ? 'Rate of requests exceeds the allowed throughput.'
    : 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.';
}

function checkedRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`DYNAMODB_FAULT_RATE must be within 0..1, got ${rate}`);
  return rate;
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(text);
}
