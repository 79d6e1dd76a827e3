/**
 * The OpenAPI 3.1 document of the HTTP API, built by zod-openapi from the contract and the route
 * table: what GET /openapi.json answers and `npm run openapi` writes. Everything the document says
 * per route comes from lib/routes.ts (method, path, auth) and functions/contract/ (schemas,
 * responses, error codes); the conventions every route shares are added here.
 */
import * as z from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { ROUTES, type RouteDefinition } from '../../lib/routes';
import { DOMAINS } from './index';
import { moneySchema } from '../domain/catalog';
import { addressSchema } from '../domain/customer';
import { errorBody, errorCodesOf, responseOf, timestamp, type RouteContract } from './route';

const BEARER = 'bearerJwt';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content', 304: 'Not modified (If-None-Match matched the ETag)',
  400: 'Malformed or invalid input', 401: 'No valid bearer token', 402: 'Payment required', 403: 'The route needs the admin role',
  404: 'Not found', 409: 'Conflict', 422: 'Idempotency-Key reused with another body', 429: 'Throttled: retry after Retry-After seconds',
  503: 'Unavailable: retry shortly',
};

const requestIdHeader = z.string().meta({ description: 'The request id, also in error bodies and the logs', header: { id: 'RequestId' } });

const DESCRIPTION = `The Crowdstart HTTP contract (v1), generated from the zod schemas the handlers validate with.

- JSON bodies, camelCase. Money is \`{ "amount": <integer minor units>, "currency": "USD" }\`.
- Lists take \`?limit=&cursor=\` and answer \`{ "items": [...], "nextCursor": "…" | null }\`.
- Every response carries \`x-request-id\`. Errors are \`{ "error": { "code", "message", "details" }, "requestId" }\`; each operation lists the codes it answers.
- Auth: \`Authorization: Bearer <JWT>\`; \`sub\` is the customer, and the \`admin\` role (a \`roles\` or \`cognito:groups\` claim) marks merchant staff.
- Idempotency: every POST/PUT/PATCH/DELETE honours \`Idempotency-Key\` (POST /checkout requires it). The same key and body within 24 h replays the first answer with \`idempotent-replayed: true\`; another body gets 422; a retry while the first runs gets 409.`;

/** The document, built once per process (it depends on nothing but the code). */
export const openApiDocument = once(() =>
  createDocument({
    openapi: '3.1.0',
    info: { title: 'Crowdstart', version: '1', description: DESCRIPTION },
    tags: DOMAINS.map(({ tag }) => ({ name: tag })),
    components: {
      // Shared by many schemas: each is written once and referenced.
      schemas: { Money: moneySchema, Address: addressSchema, Timestamp: timestamp },
      securitySchemes: {
        [BEARER]: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT of the stage\'s issuer; admin routes also need the `admin` role' },
      },
    },
    paths: pathsOf(ROUTES),
  }, {
    // Responses may gain fields (clients must ignore unknown ones); requests stay strict where their schemas are.
    override: ({ jsonSchema, io }) => {
      if (io === 'output' && jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  }),
);

function pathsOf(routes: readonly RouteDefinition[]): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const { tag, contract } = entryOf(route.handler);
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operationOf(route, contract, tag) };
  }
  return paths;
}

function entryOf(handler: string): { tag: string; contract: RouteContract } {
  for (const { tag, routes } of DOMAINS) {
    const contract = (routes as Record<string, RouteContract>)[handler];
    if (contract) return { tag, contract };
  }
  throw new Error(`No contract entry for the route handled by ${handler}`);
}

function operationOf(route: RouteDefinition, contract: RouteContract, tag: string): ZodOpenApiOperationObject {
  const admin = route.auth === 'admin';
  const header = requestHeadersOf(route, contract);
  return {
    operationId: camelCase(route.handler),
    tags: [tag],
    summary: contract.summary,
    description: [contract.description, admin ? 'Needs the `admin` role (403 otherwise).' : undefined].filter(Boolean).join('\n\n') || undefined,
    security: route.auth === 'public' ? [] : [{ [BEARER]: [] }],
    ...(admin ? { 'x-required-role': 'admin' } : {}),
    requestParams: {
      ...(contract.params ? { path: contract.params as z.ZodObject } : {}),
      ...(contract.query ? { query: contract.query as z.ZodObject } : {}),
      ...(header ? { header } : {}),
    },
    ...(contract.body
      ? { requestBody: { required: !contract.body.safeParse(undefined).success, content: { 'application/json': { schema: contract.body } } } }
      : {}),
    responses: responsesOf(route, contract),
  };
}

/** The request headers the shared middlewares read: Idempotency-Key on mutations, If-None-Match on cached reads. */
function requestHeadersOf(route: RouteDefinition, contract: RouteContract): z.ZodObject | undefined {
  const headers: Record<string, z.ZodType> = {};
  const mode = contract.idempotency ?? 'optional';
  if (MUTATING.has(route.method) && mode !== 'none') {
    const key = z.string().max(255).meta({ description: 'Makes the request safe to retry: the same key and body within 24 h replay the first answer' });
    headers['idempotency-key'] = mode === 'required' ? key : key.optional();
  }
  if (contract.cacheSeconds !== undefined) headers['if-none-match'] = z.string().optional().meta({ description: 'An ETag of an earlier answer: 304 when unchanged' });
  return Object.keys(headers).length ? z.object(headers) : undefined;
}

function responsesOf(route: RouteDefinition, contract: RouteContract): ZodOpenApiResponsesObject {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  const replayable = MUTATING.has(route.method) && contract.idempotency !== 'none';
  for (const [status, response] of Object.entries(contract.responses)) {
    const { schema, description, location } = responseOf(response);
    const cached = contract.cacheSeconds !== undefined && status === '200';
    responses[status] = {
      description: description ?? STATUS_TEXT[Number(status)] ?? status,
      headers: z.object({
        'x-request-id': requestIdHeader,
        ...(location ? { location: z.string().meta({ description: 'Where the resource now lives' }) } : {}),
        ...(cached ? { etag: z.string(), 'cache-control': z.string().meta({ example: `public, max-age=${contract.cacheSeconds}` }) } : {}),
        ...(replayable ? { 'idempotent-replayed': z.literal('true').optional().meta({ description: 'Present on a replayed answer' }) } : {}),
      }),
      ...(schema ? { content: { 'application/json': { schema } } } : {}),
    };
  }
  if (contract.cacheSeconds !== undefined) {
    responses['304'] = { description: STATUS_TEXT[304]!, headers: z.object({ 'x-request-id': requestIdHeader, etag: z.string() }) };
  }
  for (const [status, codes] of errorCodesOf(contract, route)) {
    responses[status] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}: ${codes.join(', ')}`,
      headers: z.object({ 'x-request-id': requestIdHeader, ...(status === 429 ? { 'retry-after': z.string().meta({ description: 'Seconds' }) } : {}) }),
      content: { 'application/json': { schema: errorBody(codes as [string, ...string[]]) } },
    };
  }
  return responses as ZodOpenApiResponsesObject; // every key is a status code
}

const camelCase = (name: string) => name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());

function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
