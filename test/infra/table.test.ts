import { Match } from 'aws-cdk-lib/assertions';
import { GLOBAL_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY, TTL_ATTRIBUTE } from '../../lib/table-schema';
import { synthTenant } from './support';

describe('the data table', () => {
  const { template } = synthTenant('dev');

  it('is the only table, on-demand, with PITR, the TTL attribute and a NEW_AND_OLD_IMAGES stream', () => {
    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      KeySchema: [
        { AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: TABLE_SORT_KEY, KeyType: 'RANGE' },
      ],
    });
  });

  it('has exactly the GSIs of lib/table-schema.ts, each copying only the attributes declared with it', () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projected] },
      })),
    });
  });

  it('keeps the indexes a stage lists in indexesCopyingWholeItems at projection ALL, so an old stage upgrades one index per deploy', () => {
    // Prepare
    const dev = synthTenant('dev');
    const upgrading = synthTenant('dev', { settings: { ...dev.stack.settings, indexesCopyingWholeItems: ['gsi1', 'gsi3'] } });

    // Assess
    upgrading.template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
        IndexName: index.indexName,
        KeySchema: Match.anyValue(),
        Projection: index.indexName === 'gsi2' ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projected] } : { ProjectionType: 'ALL' },
      })),
    });
  });

  it('copies no whole order into an index: not its address, history or task tokens', () => {
    // Prepare
    const projected = new Set(GLOBAL_INDEXES.flatMap((index) => index.projected));
    // Assess
    for (const attribute of ['shippingAddress', 'history', 'tokens', 'cancellation', 'failure', 'attention', 'correlationId']) expect(projected).not.toContain(attribute);
  });

  it('is deleted with a non-production stack', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});
