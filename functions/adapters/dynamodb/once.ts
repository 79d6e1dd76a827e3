/**
 * "Do it once" over the single table: claim a record with a lock, do the work, then complete it
 * (its result is kept for replay) or release it (the next attempt runs again). Both the HTTP
 * Idempotency-Key middleware (shared/idempotency.ts) and the Stripe webhook consumer's event claim
 * (order-repository.ts) use it, each with its own keys, lock and retention.
 *
 * | step     | how                                                                                  |
 * |----------|--------------------------------------------------------------------------------------|
 * | claim    | Put IN_PROGRESS, if absent, expired (ttl), or IN_PROGRESS with its lock lapsed        |
 * |          | else a consistent Get: 'in-progress', or 'completed' with the stored result to replay |
 * | complete | Update COMPLETED with the result                                                     |
 * | release  | Delete, only while IN_PROGRESS                                                       |
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
      // An expired record still waiting for DynamoDB's TTL sweep counts as absent.
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now OR (#status = :inProgress AND lockedUntil < :now)',
      ExpressionAttributeNames: { '#ttl': 'ttl', '#status': 'status' },
      ExpressionAttributeValues: { ':now': now, ':inProgress': IN_PROGRESS },
    });
    return { state: 'claimed' };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const { Item } = await getItem({ Key: key, ConsistentRead: true });
  if (!Item) return claim(key, options); // released between our put and our get
  const fingerprint = Item.fingerprint as string | undefined;
  if (Item.status !== COMPLETED) return { state: 'in-progress', fingerprint };
  return { state: 'completed', fingerprint, result: Item.result };
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
