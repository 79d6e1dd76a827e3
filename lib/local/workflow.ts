/**
 * The order workflow, locally: the ASL is rendered from THE SAME CDK construct the stack deploys
 * (lib/constructs/order-workflow.ts), with the task Lambdas imported at fixed local ARNs and the
 * Fulfillment queue at a fixed AWS-style URL, and then run by the local Step Functions service.
 * Its Task states call the unchanged handler modules (lib/local/lambda-runtime.ts) and send to
 * the local SQS engine. The rendered definition does not depend on the engines' ports, so an
 * execution persisted by one run resumes on the same definition in the next.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { App, Stack } from 'aws-cdk-lib';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { join } from 'node:path';
import { OrderWorkflow, WORKFLOW_TASKS } from '../constructs/order-workflow';
import { invokeFunction } from './lambda-runtime';
import { dynamoDbUpdateItemHandler, sqsSendMessageHandler, startStepFunctionsService, type TaskHandler } from './stepfunctions';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
export const LOCAL_STATE_MACHINE_NAME = 'crowdstart-local-order-workflow';
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${LOCAL_STATE_MACHINE_NAME}`;

/** The stand-in for the Fulfillment queue inside the ASL; the SQS task handler maps it to the local URL. */
const FULFILLMENT_QUEUE_NAME = 'crowdstart-local-Fulfillment';
const DEFINITION_QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${FULFILLMENT_QUEUE_NAME}`;
const DEFINITION_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${FULFILLMENT_QUEUE_NAME}`;
/** The stand-in for the table inside the ASL; the DynamoDB task handler maps it to the local table. */
const DEFINITION_TABLE_NAME = 'crowdstart-local-Data';

/** The Lambda ARN a task module has locally (the same name lambda-runtime.ts gives its context). */
export function localFunctionArn(module: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:crowdstart-local-${module.replace(/\W+/g, '-')}`;
}

/**
 * The state machine's ASL as CloudFormation would receive it, built offline: the construct in a
 * throwaway app, its DefinitionString resolved (an Fn::Join over literals and pseudo
 * parameters), and the pseudo parameters filled in for the local account.
 */
export function renderOrderWorkflowDefinition(): Record<string, unknown> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'CrowdstartLocalWorkflow', { env: { account: ACCOUNT, region: REGION } });
  const workflow = new OrderWorkflow(stack, 'OrderWorkflow', {
    taskFunction: (scope, task) =>
      LambdaFunction.fromFunctionAttributes(scope, task.id, { functionArn: localFunctionArn(task.module), sameEnvironment: true }),
    fulfillmentQueue: Queue.fromQueueAttributes(stack, 'FulfillmentQueue', {
      queueArn: DEFINITION_QUEUE_ARN,
      queueUrl: DEFINITION_QUEUE_URL,
    }),
    table: Table.fromTableName(stack, 'Table', DEFINITION_TABLE_NAME),
  });
  const cfn = workflow.stateMachine.node.defaultChild as CfnStateMachine;
  const text = evaluateIntrinsics(stack.resolve(cfn.definitionString));
  if (typeof text !== 'string') throw new Error('The state machine definition did not resolve to a string');
  return JSON.parse(text) as Record<string, unknown>;
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Evaluates the few intrinsics a definition of imported resources contains; anything else is a bug. */
function evaluateIntrinsics(value: unknown): unknown {
  if (typeof value === 'string' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(evaluateIntrinsics);
  const record = value as Record<string, unknown>;
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(evaluateIntrinsics(part))).join(separator);
  }
  if ('Ref' in record) {
    const resolved = PSEUDO_PARAMETERS[record.Ref as string];
    if (resolved === undefined) throw new Error(`Cannot resolve Ref ${String(record.Ref)} locally`);
    return resolved;
  }
  const intrinsic = Object.keys(record).find((key) => key.startsWith('Fn::'));
  if (intrinsic) throw new Error(`Cannot resolve ${intrinsic} in the workflow definition locally`);
  return Object.fromEntries(Object.entries(record).map(([key, v]) => [key, evaluateIntrinsics(v)]));
}

export interface LocalWorkflow {
  /** For AWS_ENDPOINT_URL_SFN. */
  readonly endpoint: string;
  readonly stateMachineArn: string;
  stop(): Promise<void>;
}

/**
 * Starts the local Step Functions service with the order workflow. Executions and their task
 * tokens live under `<dataDir>/stepfunctions`; the ones a previous run left RUNNING resume.
 */
export async function startLocalWorkflow(options: {
  dataDir: string;
  /** The local SQS endpoint and the Fulfillment queue's URL there. */
  sqsEndpoint: string;
  fulfillmentQueueUrl: string;
  /** The DynamoDB endpoint the handlers use (fault injection included) and the local table. */
  dynamoDbEndpoint: string;
  tableName: string;
}): Promise<LocalWorkflow> {
  const sqs = new SQSClient({ endpoint: options.sqsEndpoint });
  const dynamo = new DynamoDBClient({ endpoint: options.dynamoDbEndpoint });
  const taskHandlers: Record<string, TaskHandler> = {
    'arn:aws:states:::sqs:sendMessage': sqsSendMessageHandler(sqs, (url) => {
      if (url !== DEFINITION_QUEUE_URL) throw new Error(`The workflow sends to an unknown queue ${url}`);
      return options.fulfillmentQueueUrl;
    }),
    'arn:aws:states:::dynamodb:updateItem': dynamoDbUpdateItemHandler(dynamo, (name) => {
      if (name !== DEFINITION_TABLE_NAME) throw new Error(`The workflow writes to an unknown table ${name}`);
      return options.tableName;
    }),
  };
  for (const task of WORKFLOW_TASKS) {
    taskHandlers[localFunctionArn(task.module)] = (input) => invokeFunction(task.module, input, task.timeoutSeconds * 1000);
  }
  const service = await startStepFunctionsService({
    dataDir: join(options.dataDir, 'stepfunctions'),
    stateMachines: [
      { name: LOCAL_STATE_MACHINE_NAME, arn: LOCAL_STATE_MACHINE_ARN, definition: renderOrderWorkflowDefinition() },
    ],
    taskHandlers,
  });
  return {
    endpoint: service.url,
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    stop: async () => {
      await service.stop();
      sqs.destroy();
      dynamo.destroy();
    },
  };
}
