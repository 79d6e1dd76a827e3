import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';

/**
 * Everything the local Stripe server knows, in one SQLite file (node:sqlite, synchronous), so a
 * restart loses nothing. Synchronous on purpose: a request's work runs start to finish inside one
 * transaction on the event loop, so two requests never interleave and no locking is needed.
 *
 * | table       | holds                                    | read by                              |
 * | ----------- | ---------------------------------------- | ------------------------------------ |
 * | objects     | every API object as its JSON, by id      | id; (type, customer); (type, payment_intent), newest first |
 * | idempotency | first response per Idempotency-Key       | key; pruned after 24 h               |
 * | events      | `evt_…` objects                          | id; type, newest first               |
 * | deliveries  | webhook attempts per event               | due pending ones, oldest first       |
 * | meta        | settings such as the webhook secret      | key                                  |
 */
/** Any API object: Stripe's own types (Stripe.PaymentIntent …) fit this. */
export interface StoredObject {
  readonly id: string;
  readonly object: string;
}

/** Server-side state Stripe keeps about an object but never shows (e.g. a consumed card). */
export type LocalState = object;

export interface Page {
  readonly limit: number;
  readonly startingAfter?: string;
  readonly endingBefore?: string;
}

export interface ListFilter {
  readonly customer?: string;
  readonly paymentIntent?: string;
  /** Stripe's `created` filter: bounds on the object's creation time, unix seconds. */
  readonly created?: CreatedRange;
}

export interface CreatedRange {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

const CREATED_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** Events of one type or a `*` pattern (`charge.*`), or of any of several exact types. */
export interface EventFilter {
  readonly pattern?: string;
  readonly types?: readonly string[];
}

export interface IdempotencyRecord {
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly fingerprint: string;
  readonly status: number;
  readonly body: string;
  readonly createdMs: number;
}

export interface Delivery {
  readonly eventId: string;
  readonly attempts: number;
  readonly nextAttemptAt: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, customer TEXT, payment_intent TEXT,
    json TEXT NOT NULL, local TEXT);
  CREATE INDEX IF NOT EXISTS objects_by_customer ON objects (type, customer);
  CREATE INDEX IF NOT EXISTS objects_by_intent ON objects (type, payment_intent);
  CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, method TEXT NOT NULL, path TEXT NOT NULL, fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL, body TEXT NOT NULL, created_ms INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, type TEXT NOT NULL, json TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS deliveries (
    event_id TEXT PRIMARY KEY, state TEXT NOT NULL, attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL, last_status INTEGER, last_error TEXT);
  CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_attempt_at);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export class Store {
  private readonly db: DatabaseSync;
  private depth = 0;

  /** Opens (or creates) the database under `directory`. */
  constructor(directory: string) {
    mkdirSync(directory, { recursive: true });
    this.db = new DatabaseSync(join(directory, 'stripe.sqlite'));
    // WAL + NORMAL: every commit survives a process crash, and writes stay fast enough for
    // a few hundred requests a second.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** Runs `work` atomically: it all lands, or (when it throws) none of it does. */
  transaction<T>(work: () => T): T {
    if (this.depth > 0) return work();
    this.db.exec('BEGIN IMMEDIATE');
    this.depth++;
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.depth--;
    }
  }

  // --- objects ---------------------------------------------------------------------------

  get<T extends StoredObject>(id: string): T | undefined {
    const row = this.db.prepare('SELECT json FROM objects WHERE id = ?').get(id) as { json: string } | undefined;
    return row ? (JSON.parse(row.json) as T) : undefined;
  }

  local(id: string): LocalState {
    const row = this.db.prepare('SELECT local FROM objects WHERE id = ?').get(id) as { local: string | null } | undefined;
    return row?.local ? (JSON.parse(row.local) as LocalState) : {};
  }

  /** Inserts or replaces an object; the list indexes come from its `customer`/`payment_intent`. */
  put(object: StoredObject, local?: LocalState): void {
    const links = object as { customer?: unknown; payment_intent?: unknown };
    const customer = typeof links.customer === 'string' ? links.customer : null;
    const intent = typeof links.payment_intent === 'string' ? links.payment_intent : null;
    // Upsert rather than REPLACE keeps the rowid, and with it the object's place in lists.
    this.db
      .prepare(
        `INSERT INTO objects (id, type, customer, payment_intent, json, local) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET customer = excluded.customer, payment_intent = excluded.payment_intent,
           json = excluded.json, local = COALESCE(excluded.local, objects.local)`,
      )
      .run(object.id, object.object, customer, intent, JSON.stringify(object), local ? JSON.stringify(local) : null);
  }

  /** Newest first, as Stripe lists; one more than `limit` is read to answer `has_more`. */
  list<T extends StoredObject>(type: string, filter: ListFilter, page: Page): { data: T[]; hasMore: boolean } {
    const where = ['type = ?'];
    const args: SQLInputValue[] = [type];
    if (filter.customer !== undefined) (where.push('customer = ?'), args.push(filter.customer));
    if (filter.paymentIntent !== undefined) (where.push('payment_intent = ?'), args.push(filter.paymentIntent));
    for (const [bound, operator] of Object.entries(CREATED_OPERATORS)) {
      const value = filter.created?.[bound as keyof CreatedRange];
      if (value !== undefined) (where.push(`json_extract(json, '$.created') ${operator} ?`), args.push(value));
    }
    return this.page<T>('objects', where, args, page);
  }

  // --- events ----------------------------------------------------------------------------

  putEvent(event: StoredObject & { readonly type: string }): void {
    this.db.prepare('INSERT INTO events (id, type, json) VALUES (?, ?, ?)').run(event.id, event.type, JSON.stringify(event));
  }

  getEvent<T>(id: string): T | undefined {
    const row = this.db.prepare('SELECT json FROM events WHERE id = ?').get(id) as { json: string } | undefined;
    return row ? (JSON.parse(row.json) as T) : undefined;
  }

  listEvents<T extends StoredObject>(filter: EventFilter, page: Page): { data: T[]; hasMore: boolean } {
    if (filter.types) return this.page<T>('events', [`type IN (${filter.types.map(() => '?').join(', ')})`], [...filter.types], page);
    if (filter.pattern === undefined) return this.page<T>('events', [], [], page);
    // `*` matches any run of characters; LIKE's own wildcards in a type are escaped.
    const like = filter.pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replaceAll('*', '%');
    return this.page<T>('events', [`type LIKE ? ESCAPE '\\'`], [like], page);
  }

  // --- webhook deliveries ----------------------------------------------------------------

  addDelivery(eventId: string, dueAt: number): void {
    this.db
      .prepare(`INSERT OR IGNORE INTO deliveries (event_id, state, attempts, next_attempt_at) VALUES (?, 'pending', 0, ?)`)
      .run(eventId, dueAt);
  }

  /** Pending deliveries, soonest first, due or not. */
  upcomingDeliveries(limit: number): Delivery[] {
    const rows = this.db
      .prepare(`SELECT event_id, attempts, next_attempt_at FROM deliveries WHERE state = 'pending' ORDER BY next_attempt_at, rowid LIMIT ?`)
      .all(limit) as { event_id: string; attempts: number; next_attempt_at: number }[];
    return rows.map((row) => ({ eventId: row.event_id, attempts: row.attempts, nextAttemptAt: row.next_attempt_at }));
  }

  recordAttempt(
    eventId: string,
    outcome: { state: 'pending' | 'delivered' | 'failed'; attempts: number; nextAttemptAt: number; status?: number; error?: string },
  ): void {
    this.db
      .prepare(
        'UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ? WHERE event_id = ?',
      )
      .run(outcome.state, outcome.attempts, outcome.nextAttemptAt, outcome.status ?? null, outcome.error ?? null, eventId);
  }

  // --- idempotency -----------------------------------------------------------------------

  getIdempotency(key: string): IdempotencyRecord | undefined {
    const row = this.db.prepare('SELECT * FROM idempotency WHERE key = ?').get(key) as
      | { key: string; method: string; path: string; fingerprint: string; status: number; body: string; created_ms: number }
      | undefined;
    return row && { ...row, createdMs: row.created_ms };
  }

  putIdempotency(record: IdempotencyRecord): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO idempotency (key, method, path, fingerprint, status, body, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(record.key, record.method, record.path, record.fingerprint, record.status, record.body, record.createdMs);
  }

  deleteIdempotencyBefore(createdMs: number): void {
    this.db.prepare('DELETE FROM idempotency WHERE created_ms < ?').run(createdMs);
  }

  // --- meta ------------------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  /** Cursor pagination over rowid (insertion order), the way Stripe's starting_after works. */
  private page<T>(table: 'objects' | 'events', where: string[], args: SQLInputValue[], page: Page) {
    const conditions = [...where];
    const values = [...args];
    const cursor = page.startingAfter ?? page.endingBefore;
    if (cursor !== undefined) {
      conditions.push(`rowid ${page.startingAfter !== undefined ? '<' : '>'} COALESCE((SELECT rowid FROM ${table} WHERE id = ?), -1)`);
      values.push(cursor);
    }
    const order = page.startingAfter === undefined && page.endingBefore !== undefined ? 'ASC' : 'DESC';
    const sql = `SELECT json FROM ${table} ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
                 ORDER BY rowid ${order} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...values, page.limit + 1) as { json: string }[];
    const hasMore = rows.length > page.limit;
    const data = rows.slice(0, page.limit).map((row) => JSON.parse(row.json) as T);
    return { data: order === 'ASC' ? data.reverse() : data, hasMore };
  }
}
