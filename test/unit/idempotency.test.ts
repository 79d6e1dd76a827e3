import type { Context } from 'aws-lambda';
import { InsufficientStock } from '../../functions/domain/errors';
import { apiHandler, created, routeSpec, type ApiEvent, type ApiResponse } from '../../functions/shared/http';
import type { IdempotentWrite } from '../../functions/shared/idempotency';
import { MemoryIdempotencyStore } from './support/memory-idempotency-store';

function post(body: string, key?: string): ApiEvent {
  const claims = Buffer.from(JSON.stringify({ sub: 'cust-1' })).toString('base64url');
  return {
    headers: { authorization: `Bearer e30.${claims}.sig`, ...(key ? { 'idempotency-key': key } : {}) },
    body,
    routeKey: 'POST /cart/items',
    rawPath: '/cart/items',
    requestContext: { requestId: 'req-1', http: { method: 'POST' }, authorizer: { jwt: { claims: { sub: 'cust-1' }, scopes: [] } } },
  } as unknown as ApiEvent; // the fields the stack reads, not the whole event
}

async function invoke(handler: (event: ApiEvent, context: Context) => Promise<unknown>, event: ApiEvent) {
  const result = (await handler(event, {} as Context)) as { statusCode: number; headers: Record<string, string>; body?: string };
  return { status: result.statusCode, replayed: result.headers['idempotent-replayed'], body: result.body && JSON.parse(result.body) };
}

describe('idempotency middleware, claim first', () => {
  it('runs a key once, replays it for the same body, refuses another body (422), and gives the key back on failure', async () => {
    // Prepare
    const store = new MemoryIdempotencyStore();
    let runs = 0;
    let fail = true;
    const handler = apiHandler(routeSpec('add-cart-item', { idempotencyStore: store }), async () => {
      runs++;
      if (fail) throw new InsufficientStock('SKU-1', 1, 0);
      return created({ run: runs }, '/cart');
    });

    // Act
    const failed = await invoke(handler, post('{"a":1}', 'k'));
    fail = false;
    const first = await invoke(handler, post('{"a":1}', 'k'));
    const replay = await invoke(handler, post('{"a":1}', 'k'));
    const other = await invoke(handler, post('{"a":2}', 'k'));

    // Assess
    expect([failed.status, first.status, first.body]).toEqual([409, 201, { run: 2 }]);
    expect([replay.status, replay.replayed, replay.body]).toEqual([201, 'true', { run: 2 }]);
    expect([other.status, other.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(runs).toBe(2);
  });
});

describe('idempotency middleware, recorded in the mutation transaction', () => {
  /** A handler that "commits" its record into the store as its transaction would. */
  function transactional(store: MemoryIdempotencyStore, outcome: (write?: IdempotentWrite) => ApiResponse | Error) {
    const seen: (IdempotentWrite | undefined)[] = [];
    const handler = apiHandler(routeSpec('add-cart-item', { idempotencyStore: store, recordsIdempotencyInTransaction: true }), async (req) => {
      seen.push(req.idempotency);
      await req.idempotency?.firstUse();
      const result = outcome(req.idempotency);
      if (result instanceof Error) throw result;
      if (req.idempotency && !(await store.record(req.idempotency, req.idempotency.fingerprint, result))) return req.idempotency.lostTo();
      req.idempotency?.markRecorded();
      return result;
    });
    return { handler, seen };
  }

  it('makes no claim: one lookup before, nothing after, and replays what the transaction stored', async () => {
    const store = new MemoryIdempotencyStore();
    const { handler } = transactional(store, () => created({ ok: 1 }, '/cart'));

    const first = await invoke(handler, post('{}', 'k'));
    const replay = await invoke(handler, post('{}', 'k'));
    const other = await invoke(handler, post('{"b":1}', 'k'));

    expect([first.status, replay.status, replay.replayed, other.status]).toEqual([201, 201, 'true', 422]);
    expect(store.calls).toEqual(['find', 'record', 'find', 'find']);
  });

  it("answers with the earlier request's replay even when this one fails otherwise", async () => {
    const store = new MemoryIdempotencyStore();
    let stock = 1;
    const { handler } = transactional(store, () => (stock-- > 0 ? created({ ok: 1 }, '/cart') : new InsufficientStock('SKU-1', 1, 0)));

    const first = await invoke(handler, post('{}', 'k'));
    const retry = await invoke(handler, post('{}', 'k'));
    const fresh = await invoke(handler, post('{}', 'k2'));

    expect([first.status, retry.status, retry.replayed]).toEqual([201, 201, 'true']);
    expect([fresh.status, fresh.body.error.code]).toEqual([409, 'INSUFFICIENT_STOCK']);
  });

  it('replays the winner when a concurrent request with the key committed first', async () => {
    const store = new MemoryIdempotencyStore();
    const { handler } = transactional(store, (write) => {
      // The winner, with the same request, commits between this one's lookup and its transaction.
      store.records.set(`${write!.scope}/${write!.key}`, { state: 'completed', fingerprint: write!.fingerprint, response: created({ winner: true }, '/cart') });
      return created({ winner: false }, '/cart');
    });

    const res = await invoke(handler, post('{}', 'k'));

    expect([res.status, res.replayed, res.body]).toEqual([201, 'true', { winner: true }]);
  });

  it('stores the response itself when the handler committed no record, and skips keyless requests', async () => {
    const store = new MemoryIdempotencyStore();
    const handler = apiHandler(routeSpec('add-cart-item', { idempotencyStore: store, recordsIdempotencyInTransaction: true }), async () =>
      created({ nothing: 'to commit' }, '/cart'),
    );

    await invoke(handler, post('{}'));
    await invoke(handler, post('{}', 'k'));
    const replay = await invoke(handler, post('{}', 'k'));

    expect([replay.status, replay.replayed, replay.body]).toEqual([201, 'true', { nothing: 'to commit' }]);
    expect(store.calls).toEqual(['find', 'record', 'find']);
  });
});
