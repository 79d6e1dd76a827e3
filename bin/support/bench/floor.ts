/**
 * The store's floor: the very DynamoDB calls the handlers made (the recorder's sampled request
 * bodies), sent raw from this process to the same endpoint at the same concurrency and in the
 * same order (each sequential group after the previous one, a group's calls side by side), with
 * the same mix of operations. An operation's latency over its floor is what everything but the
 * store costs: the gateway, the handler, the SDK. Writes go to a scratch table of the same schema
 * so the floor never changes the stack's data; a condition may then fail there, which DynamoDB
 * Local answers after the same lookup, so the call still counts as a round trip.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Agent, request } from 'node:http';
import { ensureTable, localCredentials } from '../../../lib/local/dynamodb';
import { LOCAL_TABLE_NAME } from '../../../lib/local/stack';
import type { InvocationShape } from './trips';
import { FUNCTION_OF, MIX, OPERATIONS, type Operation } from './workload';

export const FLOOR_TABLE = 'crowdstart-floor';
const WRITES = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;

export interface FloorSamples {
  readonly ms: Record<Operation, number[]>;
  /** Calls the engine refused (a condition failing on the scratch table, mostly). */
  refused: number;
  calls: number;
}

/** Creates the scratch table the floor's writes go to. */
export async function prepareFloor(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
  await ensureTable(client, FLOOR_TABLE);
  client.destroy();
}

/** `vus` workers replay sampled invocations of each operation, drawn at the mix, for `seconds`. */
export async function runFloor(endpoint: string, shapes: readonly InvocationShape[], vus: number, seconds: number): Promise<FloorSamples> {
  const samplesOf = new Map<Operation, InvocationShape[]>(
    OPERATIONS.map((op) => [op, shapes.filter((s) => s.function === FUNCTION_OF[op] && replayable(s))]),
  );
  const floor: FloorSamples = { ms: Object.fromEntries(OPERATIONS.map((op) => [op, []])) as unknown as FloorSamples['ms'], refused: 0, calls: 0 };
  const ops = OPERATIONS.filter((op) => samplesOf.get(op)!.length);
  if (!ops.length) return floor;
  const agent = new Agent({ keepAlive: true, maxSockets: vus });
  const target = new URL(endpoint);
  const deadline = Date.now() + seconds * 1000;
  const worker = async () => {
    for (let i = 0; Date.now() < deadline; i++) {
      const op = drawAmong(ops);
      const shape = samplesOf.get(op)![Math.floor(Math.random() * samplesOf.get(op)!.length)]!;
      const started = performance.now();
      for (const group of shape.groups) {
        const store = group.filter((call) => call.service === 'dynamodb');
        const statuses = await Promise.all(store.map((call) => send(target, agent, call.operation, bodyFor(call.operation, call.request!))));
        floor.calls += statuses.length;
        floor.refused += statuses.filter((s) => s !== 200).length;
      }
      floor.ms[op].push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: vus }, worker));
  agent.destroy();
  return floor;
}

/** Every store call of the invocation kept its request body. */
const replayable = (shape: InvocationShape) => shape.groups.flat().every((call) => call.service !== 'dynamodb' || call.request !== undefined);

function drawAmong(ops: readonly Operation[]): Operation {
  const total = ops.reduce((sum, op) => sum + MIX[op], 0);
  let r = Math.random() * total;
  for (const op of ops) if ((r -= MIX[op]) < 0) return op;
  return ops[0]!;
}

function bodyFor(operation: string, body: string): string {
  return WRITES.test(operation) ? body.replaceAll(`"${LOCAL_TABLE_NAME}"`, `"${FLOOR_TABLE}"`) : body;
}

/** One raw DynamoDB JSON-protocol call; DynamoDB Local reads the credential, not the signature. */
function send(target: URL, agent: Agent, operation: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: '/',
        agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          'content-length': Buffer.byteLength(body),
          authorization: `AWS4-HMAC-SHA256 Credential=${localCredentials.accessKeyId}/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
