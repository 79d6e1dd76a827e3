/**
 * "Do it once" over the single table: claim a record with a lock, do the work, then complete it
 * (its result is kept for replay) or release it (the next attempt runs again). Both the HTTP
 * Idempotency-Key store (idempotency-store.ts) and the Stripe webhook consumer's event claim
 * (order-repository.ts) use it, each with its own keys, lock and retention. Work that commits
 * in one transaction skips the claim: it reads the record (`find`) and puts it completed in that
 * transaction (`completedPut`), on the condition that the key is still unused.
 *
 * | step     | how                                                                                  |
 * |----------|--------------------------------------------------------------------------------------|
 * | claim    | Put IN_PROGRESS, if absent, expired (ttl), or IN_PROGRESS with its lock lapsed        |
 * |          | else a consistent Get: 'in-progress', or 'completed' with the stored result to replay |
 * | complete | Update COMPLETED with the result                                                     |
 * | release  | Delete, only while IN_PROGRESS                                                       |
 * | find     | consistent Get: what an earlier attempt left, if its record is live                  |
 * | completedPut | Put COMPLETED with the result, if absent or expired (for a caller's transaction) |
 *
 * Hand-written for now: @aws-lambda-powertools/idempotency (on npm, not yet a dependency) has not
 * been tried against the HTTP contract nor against the Stripe-event claim that shares this
 * module. Its docs show it could carry both, so a later session may weigh a switch: `makeIdempotent` / the middy
 * `makeHandlerIdempotent` over a `DynamoDBPersistenceLayer` (sortKeyAttr lets it share this
 * table), `payloadValidationJmesPath` raising IdempotencyValidationError (→ our 422),
 * IdempotencyAlreadyInProgressError while in flight (→ our 409), `expiresAfterSeconds`, a lock
 * bounded by the Lambda's remaining time, and `responseHook` to add the replay header. Its
 * records would carry its own attribute names and key prefix, not keys.ts's.
 */
import { entityTag, getItem, deleteItem, isConditionFailure, putItem, updateItem, type Entity } from './table';

/** The item a piece of work is claimed on (from keys.ts). */
export interface OnceKey {
  readonly pk: string;
  readonly sk: string;
}

export interface ClaimOptions {
  readonly entity: Entity;
  /** How long a claim blocks another attempt before the first is presumed crashed. */
  readonly lockSeconds: number;
  /** How long the record (and its result) is kept. */
  readonly retentionSeconds: number;
  /** What identifies the work (the HTTP request's hash); handed back to a later claim to compare. */
  readonly fingerprint?: string;
  /** Further attributes stored with the claim, for whoever reads the table. */
  readonly attributes?: Record<string, unknown>;
}

/** 'claimed': ours to do, then complete or release; otherwise what the earlier attempt left. */
export type Claim =
  | { readonly state: 'claimed' }
  | { readonly state: 'in-progress'; readonly fingerprint?: string }
  | { readonly state: 'completed'; readonly fingerprint?: string; readonly result: unknown };

const IN_PROGRESS = 'IN_PROGRESS';
const COMPLETED = 'COMPLETED';
/** No record, or one that no longer counts: expired but not yet swept by TTL, or a crashed claim's lapsed lock. */
const LAPSED_OR_ABSENT = 'attribute_not_exists(pk) OR #ttl < :now OR (#status = :inProgress AND lockedUntil < :now)';

/** Claims the work on `key`, or reports the record of an earlier attempt (its result to replay once completed). */
export async function claim(key: OnceKey, options: ClaimOptions): Promise<Claim> {
  const now = Math.floor(Date.now() / 1000);
  try {
    await putItem({
      Item: {
        ...options.attributes,
        ...key,
        ...entityTag(options.entity),
        status: IN_PROGRESS,
        fingerprint: options.fingerprint,
        lockedUntil: now + options.lockSeconds,
        ttl: now + options.retentionSeconds,
      },
      ConditionExpression: LAPSED_OR_ABSENT,
      ExpressionAttributeNames: { '#ttl': 'ttl', '#status': 'status' },
      ExpressionAttributeValues: { ':now': now, ':inProgress': IN_PROGRESS },
    });
    return { state: 'claimed' };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const { Item } = await getItem({ Key: key, ConsistentRead: true });
  if (!Item) return claim(key, options); // released between our put and our get
  return stateOf(Item);
}

function stateOf(item: Record<string, unknown>): Exclude<Claim, { state: 'claimed' }> {
  const fingerprint = item.fingerprint as string | undefined;
  if (item.status !== COMPLETED) return { state: 'in-progress', fingerprint };
  return { state: 'completed', fingerprint, result: item.result };
}

/** What an earlier attempt left on `key` (absent or expired: undefined), read consistently. */
export async function find(key: OnceKey): Promise<Exclude<Claim, { state: 'claimed' }> | undefined> {
  const { Item } = await getItem({ Key: key, ConsistentRead: true });
  const now = Math.floor(Date.now() / 1000);
  if (!Item || (Item.ttl as number) < now) return undefined;
  if (Item.status === IN_PROGRESS && (Item.lockedUntil as number) < now) return undefined; // a crashed claim
  return stateOf(Item);
}

/** The Put of a completed record with its result, only where no live record is: for a caller's own transaction. */
export function completedPut(key: OnceKey, options: Omit<ClaimOptions, 'lockSeconds'>, result: unknown) {
  const now = Math.floor(Date.now() / 1000);
  return {
    Item: {
      ...options.attributes,
      ...key,
      ...entityTag(options.entity),
      status: COMPLETED,
      fingerprint: options.fingerprint,
      result,
      completedAt: new Date().toISOString(),
      ttl: now + options.retentionSeconds,
    },
    ConditionExpression: LAPSED_OR_ABSENT,
    ExpressionAttributeNames: { '#ttl': 'ttl', '#status': 'status' },
    ExpressionAttributeValues: { ':now': now, ':inProgress': IN_PROGRESS },
  };
}

/** Records the claimed work as done, keeping `result` for every later claim to replay. */
export async function complete(key: OnceKey, result: unknown): Promise<void> {
  await updateItem({
    Key: key,
    UpdateExpression: 'SET #status = :completed, #result = :result, completedAt = :at REMOVE lockedUntil',
    ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
    ExpressionAttributeValues: { ':completed': COMPLETED, ':result': result, ':at': new Date().toISOString() },
  });
}

/** Gives a claim back so the next attempt runs the work again; a completed record is kept. */
export async function release(key: OnceKey): Promise<void> {
  await deleteItem({
    Key: key,
    ConditionExpression: '#status = :inProgress',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':inProgress': IN_PROGRESS },
  }).catch((error: unknown) => {
    if (!isConditionFailure(error)) throw error;
  });
}
