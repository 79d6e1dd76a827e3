import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SfnServiceError } from './errors';
import type { Operation } from './service';
import type { ServiceLogger } from './types';

/**
 * The Step Functions wire protocol (awsJson1_0): `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Action>` and a JSON body; errors are
 * `{ "__type": "<Code>", "message": "…" }` with a 4xx, which the AWS SDK maps to its modeled
 * exceptions. Signatures are not checked.
 */
export async function serveJsonProtocol(
  operations: Readonly<Record<string, Operation>>,
  options: { port: number; host: string; logger: ServiceLogger },
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    void handle(request, response, operations, options.logger);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  operations: Readonly<Record<string, Operation>>,
  logger: ServiceLogger,
): Promise<void> {
  const requestId = randomUUID();
  const target = String(request.headers['x-amz-target'] ?? '');
  const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
  try {
    const body = await readBody(request);
    if (request.method !== 'POST') throw new SfnServiceError('UnknownOperationException', 'Use POST with X-Amz-Target', 404);
    const operation = Object.hasOwn(operations, action) ? operations[action] : undefined;
    if (!operation) throw new SfnServiceError('UnknownOperationException', `Unknown operation: ${target || '(no X-Amz-Target)'}`);
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body);
    } catch {
      throw new SfnServiceError('SerializationException', 'Request body is not valid JSON');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SfnServiceError('SerializationException', 'Request body must be a JSON object');
    reply(response, 200, requestId, operation(input as Record<string, unknown>) ?? {});
  } catch (error) {
    if (error instanceof SfnServiceError) {
      reply(response, error.statusCode, requestId, { __type: error.code, message: error.message });
      return;
    }
    logger.error('Step Functions request failed', { action, error: String(error), stack: (error as Error).stack });
    reply(response, 500, requestId, { __type: 'InternalFailure', message: 'Internal error' });
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, requestId: string, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
  });
  response.end(text);
}
