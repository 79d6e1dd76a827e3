import { buffer } from 'node:stream/consumers';
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import { Agent, createServer, request as forward, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { observeInvocations } from './lambda-runtime';

/**
 * What the handlers do, counted (RECORD_CALLS=true), for `npm run bench` and `npm run cost`:
 * every function invocation (start, end) and every call it makes to an engine, tied to the
 * invocation it belongs to. Handler code does not change for it: the local Lambda runtime runs
 * each invocation inside an AsyncLocalStorage context, and Node's `http.client.request.created`
 * diagnostics channel, which fires synchronously in the caller's context, tags each outgoing
 * request with the invocation's id.
 *
 * DynamoDB calls go through an HTTP proxy in front of the engine (the handlers'
 * AWS_ENDPOINT_URL_DYNAMODB), which times each call from the handler's request to the engine's
 * answer, asks for the consumed capacity (ReturnConsumedCapacity=INDEXES, so GSI writes are
 * counted) and keeps the request bodies of a sample of invocations per function, which the
 * bench replays as the store's floor. Calls to the other engines (SQS, Step Functions, Stripe)
 * are timed at the client.
 * Untagged requests (the bench's own floor replays) pass through unrecorded.
 *
 * `GET /_local/calls` on the proxy answers everything recorded so far and forgets it.
 * Hand-written: it is the local stack's own plumbing, no package records this.
 */
export interface RecordedInvocation {
  readonly id: string;
  /** Module under functions/, e.g. 'api/get-product'. */
  readonly function: string;
  readonly start: number;
  end?: number;
  failed?: boolean;
  /**
   * CPU the stack's process used while the invocation ran, in ms: its own and whatever else ran
   * in the process meanwhile, so an upper bound (near the function's own at 1 VU).
   */
  cpuMs?: number;
  /** Records in the event (stream and SQS batches), for how many invocations AWS would make. */
  readonly records?: number;
}

export interface ConsumedCapacity {
  readonly read: number;
  readonly write: number;
  /** The same units by where they were spent: 'table' or the index's name (what `npm run cost` breaks writes down by). */
  readonly byIndex: Record<string, number>;
}

export interface RecordedCall {
  readonly invocation: string;
  readonly service: string;
  readonly operation: string;
  readonly start: number;
  end?: number;
  status?: number;
  /** DynamoDB only: capacity units the call consumed (table and indexes). */
  capacity?: ConsumedCapacity;
  /** DynamoDB only, for sampled invocations: the request body as the handler sent it. */
  request?: string;
}

export interface Recording {
  readonly invocations: RecordedInvocation[];
  readonly calls: RecordedCall[];
}

export interface CallRecorder {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const INVOCATION_HEADER = 'x-crowdstart-invocation';
/**
 * When the handler's client created the request. A call starts there, not when the proxy reads
 * it: under load two calls sent side by side can reach the proxy one after the other's answer,
 * and would count as a chain of two.
 */
const STARTED_HEADER = 'x-crowdstart-started';
/** How many invocations per function (per recording drained) keep their request bodies. */
const SAMPLED_PER_FUNCTION = 64;
/** Operations that accept ReturnConsumedCapacity. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan',
  'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems',
]);

const now = () => performance.timeOrigin + performance.now();

export async function startCallRecorder(target: string): Promise<CallRecorder> {
  let recording: Recording = { invocations: [], calls: [] };
  const functionOf = new Map<string, string>();
  let sampled = new Map<string, number>();
  const keepsBodies = new Set<string>();
  const context = new AsyncLocalStorage<RecordedInvocation>();

  observeInvocations(async (module, lambdaContext, invoke, event) => {
    const records = (event as { Records?: unknown[] } | undefined)?.Records?.length;
    const invocation: RecordedInvocation = { id: lambdaContext.awsRequestId, function: module, start: now(), ...(records === undefined ? {} : { records }) };
    const cpuBefore = process.cpuUsage();
    recording.invocations.push(invocation);
    functionOf.set(invocation.id, module);
    try {
      return await context.run(invocation, invoke);
    } catch (error) {
      invocation.failed = true;
      throw error;
    } finally {
      invocation.end = now();
      const cpu = process.cpuUsage(cpuBefore);
      invocation.cpuMs = (cpu.user + cpu.system) / 1000;
      functionOf.delete(invocation.id);
    }
  });

  const server = createServer((req, res) => {
    if (req.url === '/_local/calls') return drain(res);
    buffer(req).then((body) => proxy(req, body, res), () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true });
  const targetUrl = new URL(target);

  const drain = (res: ServerResponse) => {
    const text = JSON.stringify(recording);
    recording = { invocations: [], calls: [] };
    sampled = new Map();
    keepsBodies.clear();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const proxy = (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const invocation = req.headers[INVOCATION_HEADER] as string | undefined;
    const headers = { ...req.headers };
    delete headers[INVOCATION_HEADER];
    delete headers[STARTED_HEADER];
    if (!invocation) return pass(req, headers, body, res);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    const call: RecordedCall = { invocation, service: 'dynamodb', operation, start: Number(req.headers[STARTED_HEADER]) || now() };
    recording.calls.push(call);
    if (keepsBody(invocation)) call.request = body.toString();
    const sent = withCapacityRequested(operation, body);
    headers['content-length'] = String(sent.length);
    pass(req, headers, sent, res, (status, answer) => {
      call.end = now();
      call.status = status;
      call.capacity = capacityOf(operation, answer);
    });
  };

  /** The first SAMPLED_PER_FUNCTION invocations of each function keep their request bodies. */
  const keepsBody = (invocation: string) => {
    if (keepsBodies.has(invocation)) return true;
    const fn = functionOf.get(invocation);
    if (!fn || (sampled.get(fn) ?? 0) >= SAMPLED_PER_FUNCTION) return false;
    sampled.set(fn, (sampled.get(fn) ?? 0) + 1);
    keepsBodies.add(invocation);
    return true;
  };

  const pass = (
    req: IncomingMessage,
    headers: IncomingMessage['headers'],
    body: Buffer,
    res: ServerResponse,
    onAnswer?: (status: number, body: Buffer) => void,
  ) => {
    const upstream = forward({ host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const text = Buffer.concat(chunks);
        onAnswer?.(answer.statusCode ?? 502, answer.headers['content-encoding'] ? Buffer.alloc(0) : text);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(text);
      });
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };

  const tagRequest = ({ request }: { request: ClientRequest }) => {
    const invocation = context.getStore();
    if (!invocation) return;
    const host = String(request.getHeader('host') ?? '');
    const service = serviceOf(host, port);
    if (service === 'dynamodb') {
      request.setHeader(INVOCATION_HEADER, invocation.id);
      return request.setHeader(STARTED_HEADER, String(now()));
    }
    const target = String(request.getHeader('x-amz-target') ?? '');
    const operation = target ? target.split('.')[1]! : `${request.method} ${request.path.split('?')[0]!.replace(/\/[a-z]+_[A-Za-z0-9_]+/g, '/{id}')}`;
    const call: RecordedCall = { invocation: invocation.id, service, operation, start: now() };
    recording.calls.push(call);
    request.once('response', (answer: IncomingMessage) => (call.status = answer.statusCode));
    request.once('close', () => (call.end = now()));
  };
  diagnostics.subscribe('http.client.request.created', tagRequest as (message: unknown) => void);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      diagnostics.unsubscribe('http.client.request.created', tagRequest as (message: unknown) => void);
      observeInvocations(undefined);
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      agent.destroy();
    },
  };
}

/** The engine a request goes to, by the port of the endpoints the local stack set. */
function serviceOf(host: string, recorderPort: number): string {
  const port = host.split(':').pop();
  if (port === String(recorderPort)) return 'dynamodb';
  const endpoints: [string, string | undefined][] = [
    ['sqs', process.env.AWS_ENDPOINT_URL_SQS],
    ['sfn', process.env.AWS_ENDPOINT_URL_SFN],
    ['stripe', process.env.STRIPE_API_URL],
  ];
  for (const [service, url] of endpoints) if (url && new URL(url).port === port) return service;
  return 'other';
}

/** The request with ReturnConsumedCapacity=INDEXES added, unless the handler chose a value itself. */
function withCapacityRequested(operation: string, body: Buffer): Buffer {
  if (!CAPACITY_OPERATIONS.has(operation)) return body;
  try {
    const request = JSON.parse(body.toString()) as Record<string, unknown>;
    if (request.ReturnConsumedCapacity !== undefined) return body;
    return Buffer.from(JSON.stringify({ ...request, ReturnConsumedCapacity: 'INDEXES' }));
  } catch {
    return body;
  }
}

const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/**
 * The capacity an answer reports, summed over its tables: `CapacityUnits` is the total with the
 * indexes, `Table` and `GlobalSecondaryIndexes` split it; whether it is read or write capacity
 * follows from the operation.
 */
function capacityOf(operation: string, answer: Buffer): ConsumedCapacity | undefined {
  if (!answer.length) return undefined;
  try {
    const parsed = JSON.parse(answer.toString()) as { ConsumedCapacity?: TableCapacity | TableCapacity[] };
    if (parsed.ConsumedCapacity === undefined) return undefined;
    const byIndex: Record<string, number> = {};
    const add = (where: string, units = 0) => units && (byIndex[where] = (byIndex[where] ?? 0) + units);
    let units = 0;
    for (const entry of ([] as TableCapacity[]).concat(parsed.ConsumedCapacity)) {
      units += entry.CapacityUnits ?? 0;
      add('table', entry.Table?.CapacityUnits);
      for (const [index, spent] of Object.entries(entry.GlobalSecondaryIndexes ?? {})) add(index, spent.CapacityUnits);
    }
    return READ_OPERATIONS.has(operation) ? { read: units, write: 0, byIndex } : { read: 0, write: units, byIndex };
  } catch {
    return undefined;
  }
}

interface TableCapacity {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}
