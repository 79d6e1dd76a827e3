import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { apiHandler, callerOf, errorResponse, ok, type ApiEvent } from '../../functions/shared/http';

/** A payload-2.0 event as API Gateway's JWT authorizer hands it over: claims flattened, header kept. */
function eventWith(options: { claims?: Record<string, unknown>; authorization?: string; body?: string; query?: Record<string, string> }): ApiEvent {
  const tokenClaims = options.claims ?? {};
  const flattened = Object.fromEntries(
    Object.entries(tokenClaims).map(([name, value]) => [name, Array.isArray(value) ? `[${value.join(' ')}]` : String(value)]),
  );
  const authorization = options.authorization ?? `Bearer ${unsignedToken(tokenClaims)}`;
  return {
    headers: { authorization },
    body: options.body,
    queryStringParameters: options.query,
    routeKey: 'PUT /me',
    rawPath: '/me',
    requestContext: { requestId: 'req-1', http: { method: 'PUT' }, authorizer: { jwt: { claims: flattened, scopes: [] } } },
  } as unknown as ApiEvent;
}

/** The token's shape only: the authorizer, not the function, checks signatures. */
const unsignedToken = (claims: Record<string, unknown>) =>
  ['{"alg":"RS256"}', JSON.stringify(claims), 'sig'].map((part, i) => (i < 2 ? Buffer.from(part).toString('base64url') : part)).join('.');

describe('callerOf: who is admin', () => {
  it.each([
    [['admin'], true],
    [['store', 'admin'], true],
    ['admin', true],
    [['store admin'], false],
    [['admin store'], false],
    [['billing,admin'], false],
    [['Admin'], false],
    [[' admin'], false],
    ['[admin]', false],
    ['store admin', false],
    [[], false],
  ])('roles %j → admin %s', (roles, isAdmin) => {
    expect(callerOf(eventWith({ claims: { sub: 'u1', roles } }))).toEqual({ sub: 'u1', isAdmin });
    expect(callerOf(eventWith({ claims: { sub: 'u1', 'cognito:groups': roles } }))).toEqual({ sub: 'u1', isAdmin });
  });

  it('trusts roles only from the token whose sub the authorizer passed on', () => {
    const event = eventWith({ claims: { sub: 'u1' }, authorization: `Bearer ${unsignedToken({ sub: 'u2', roles: ['admin'] })}` });

    expect(callerOf(event)).toEqual({ sub: 'u1', isAdmin: false });
  });

  it('is not admin when the header holds no single token (absent, two joined, garbage)', () => {
    const token = unsignedToken({ sub: 'u1', roles: ['admin'] });
    for (const authorization of ['', `Bearer ${token}, Bearer ${token}`, 'Bearer not-a-jwt', 'Bearer a.!!!.c']) {
      expect(callerOf(eventWith({ claims: { sub: 'u1', roles: ['admin'] }, authorization }))).toEqual({ sub: 'u1', isAdmin: false });
    }
  });

  it('accepts the token without the Bearer prefix, as the HTTP API authorizer does', () => {
    const event = eventWith({ claims: { sub: 'u1', roles: ['admin'] }, authorization: unsignedToken({ sub: 'u1', roles: ['admin'] }) });

    expect(callerOf(event)).toEqual({ sub: 'u1', isAdmin: true });
  });
});

describe('apiHandler: text no request string may carry', () => {
  const echo = apiHandler(
    { auth: 'public', idempotency: 'none', body: z.unknown(), query: z.record(z.string(), z.string()) },
    async (req) => ok({ body: req.body, query: req.query }),
  );
  const invoke = async (event: ApiEvent) => {
    const result = (await echo(event, {} as Context)) as { statusCode: number; body: string };
    return { status: result.statusCode, body: JSON.parse(result.body) };
  };

  it('names every offending field, nested ones and object keys included, in body and query', async () => {
    const body = JSON.stringify({ a: [{ b: 'x\ud800' }, 'ok'], '\uffff': 1, c: { d: 'nul\u0000' }, e: '😀' });

    const res = await invoke(eventWith({ body, query: { q: 'x\ufdd0' } }));
    const query = await invoke(eventWith({ query: { q: 'x\ufdd0' } }));

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { in: string; path: string }) => `${d.in}:${d.path}`).sort()).toEqual(['body:a.0.b', 'body:c.d', 'body:\uffff']);
    expect(query.body.error.details.map((d: { in: string; path: string }) => `${d.in}:${d.path}`)).toEqual(['query:q']);
  });

  it('walks a deeply nested body without overflowing the stack, and caps the details', async () => {
    const depth = 200_000;
    const deep = `${'['.repeat(depth)}"\\ud800"${']'.repeat(depth)}`;
    const many = JSON.stringify(Array.from({ length: 1000 }, () => '\uffff'));

    const deepRes = await invoke(eventWith({ body: deep }));
    const manyRes = await invoke(eventWith({ body: many }));

    expect(deepRes.status).toBe(400);
    expect(deepRes.body.error.details).toHaveLength(1);
    expect(deepRes.body.error.details[0].path.split('.')).toHaveLength(depth);
    expect(manyRes.status).toBe(400);
    expect(manyRes.body.error.details.length).toBeLessThanOrEqual(20);
  });

  it('passes well-formed text through unchanged', async () => {
    const text = 'Ada 😀 \u200fعلي\u200e\ttab\nline \ufffd';

    const res = await invoke(eventWith({ body: JSON.stringify({ text }), query: { q: text } }));

    expect(res).toEqual({ status: 200, body: { body: { text }, query: { q: text } } });
  });
});

describe('errorResponse: AWS refusing for load', () => {
  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'])(
    'answers %s, once the SDK gave up retrying, with 429 and Retry-After instead of a 500',
    (name) => {
      // Prepare
      const refusal = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name });

      // Act
      const result = errorResponse(refusal, eventWith({}));

      // Assess
      expect(result.statusCode).toBe(429);
      expect(result.headers?.['retry-after']).toBe('1');
      expect(JSON.parse(result.body as string).error.code).toBe('TOO_MANY_REQUESTS');
    },
  );

  it('still answers an unknown error with a plain 500', () => {
    // Act
    const result = errorResponse(new Error('boom'), eventWith({}));

    // Assess
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('boom');
  });
});
