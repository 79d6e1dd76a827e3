import { UpdateItemCommand, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { TaskHandler } from './types';

/**
 * A task handler for `arn:aws:states:::dynamodb:updateItem` that sends through `client` — pointed
 * at the local DynamoDB — the way Step Functions does: the Parameters are the UpdateItem request
 * (attribute values already typed), the state's result is the response, and an error is named
 * `DynamoDB.<exception>` (e.g. `DynamoDB.ConditionalCheckFailedException`) for Retry and Catch.
 * `tableName` maps the TableName written in the ASL to the local one, if they differ.
 */
export function dynamoDbUpdateItemHandler(client: DynamoDBClient, tableName: (fromDefinition: string) => string = (name) => name): TaskHandler {
  return async (input) => {
    const params = input as unknown as UpdateItemCommandInput;
    try {
      const { Attributes, ConsumedCapacity, ItemCollectionMetrics } = await client.send(
        new UpdateItemCommand({ ...params, TableName: tableName(String(params.TableName)) }),
      );
      return JSON.parse(JSON.stringify({ Attributes, ConsumedCapacity, ItemCollectionMetrics }));
    } catch (error) {
      const named = new Error((error as Error).message);
      named.name = `DynamoDB.${(error as Error).name}`;
      throw named;
    }
  };
}
