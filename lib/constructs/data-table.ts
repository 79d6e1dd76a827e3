import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { GLOBAL_INDEXES, type IndexName, TABLE_PARTITION_KEY, TABLE_SORT_KEY, TTL_ATTRIBUTE } from '../table-schema';

/** Properties of {@link DataTable}. */
export interface DataTableProps {
  /**
   * Keep the table (and refuse deletes through the API) when the stack goes away.
   * @default false
   */
  readonly retain?: boolean;
  /**
   * Indexes kept at projection ALL while a stage upgrades to the lean ones (TenantSettings.indexesCopyingWholeItems).
   * @default none
   */
  readonly indexesCopyingWholeItems?: readonly IndexName[];
}

/**
 * The single DynamoDB table holding every entity, built from lib/table-schema.ts: on-demand,
 * point-in-time recovery, TTL on holds and idempotency records, and a NEW_AND_OLD_IMAGES stream
 * so consumers see both what changed and what a TTL removal took away.
 */
export class DataTable extends Construct {
  /** The table; grant through {@link ServiceFunctions} rather than directly, so env vars follow grants. */
  readonly table: Table;

  constructor(scope: Construct, id: string, props: DataTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: TABLE_SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      deletionProtection: props.retain ?? false,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of GLOBAL_INDEXES) {
      // What each index copies is declared with it (lib/table-schema.ts): only what its Queries read.
      const whole = props.indexesCopyingWholeItems?.includes(index.indexName) ?? false;
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        ...(whole ? { projectionType: ProjectionType.ALL } : { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projected] }),
      });
    }
  }
}
