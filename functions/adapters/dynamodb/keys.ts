/**
 * Every partition and sort key of the single table is built here, nowhere else. Each entity's
 * section starts with its access patterns. Index names and attributes: lib/table-schema.ts.
 *
 * | entity          | pk                      | sk                  | gsi1pk / gsi1sk                  | gsi2pk / gsi2sk |
 * |-----------------|-------------------------|---------------------|----------------------------------|-----------------|
 * | idempotency     | IDEMPOTENCY#<scope>     | KEY#<key>           | -                                | -               |
 */

/**
 * Idempotency record: one per (caller, route, Idempotency-Key), kept 24 h through the TTL.
 * Access patterns: get/put by scope and key (conditional put claims the key).
 */
export const idempotencyKeys = {
  record: (scope: string, key: string) => ({ pk: `IDEMPOTENCY#${scope}`, sk: `KEY#${key}` }),
};
