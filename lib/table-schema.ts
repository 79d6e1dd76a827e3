/**
 * The one DynamoDB table's physical schema: key attributes, GSIs and the TTL attribute.
 * Both the CDK stack and the local stack create the table from this definition, so the key
 * schema has a single source. What each key holds per entity (the access patterns) is written
 * down next to the key builders in functions/adapters/dynamodb/keys.ts.
 */
export const TABLE_PARTITION_KEY = 'pk';
export const TABLE_SORT_KEY = 'sk';
export const TTL_ATTRIBUTE = 'ttl';

export interface GlobalIndex {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** Generic overloaded indexes (ElectroDB style): each entity decides what it projects into them. */
export const GLOBAL_INDEXES = [
  { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
] as const satisfies readonly GlobalIndex[];

/** The name of one of the GLOBAL_INDEXES: a query can only name an index the table has. */
export type IndexName = (typeof GLOBAL_INDEXES)[number]['indexName'];
