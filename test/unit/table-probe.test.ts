import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describeTableRequest, signV4 } from '../../functions/adapters/dynamodb/table-probe';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+1' };

interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | string;
}

/** The request the AWS SDK itself sends for DescribeTable, caught before it leaves (body as text). */
async function sdkDescribeTable(tableName: string): Promise<SentRequest & { body: string }> {
  let sent: SentRequest | undefined;
  const client = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:8000',
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: SentRequest) => {
        sent = request;
        throw new Error('caught');
      },
    },
  });
  await client.send(new DescribeTableCommand({ TableName: tableName })).catch(() => undefined);
  return { ...sent!, body: Buffer.from(sent!.body).toString('utf8') };
}

describe('the table probe behind /health', () => {
  it('signs a request exactly as the AWS SDK does', async () => {
    // Prepare
    const sent = await sdkDescribeTable('crowdstart-dev');
    const signedNames = /SignedHeaders=([^,]+)/.exec(sent.headers.authorization!)![1]!.split(';');
    const given = Object.fromEntries(
      signedNames.filter((name) => !['host', 'x-amz-date', 'x-amz-security-token'].includes(name)).map((name) => [name, sent.headers[name]!]),
    );
    const amzDate = sent.headers['x-amz-date']!;
    const now = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

    // Act
    const ours = signV4(
      { method: sent.method, url: new URL(`http://127.0.0.1:8000${sent.path}`), headers: given, body: sent.body },
      { region: 'eu-west-1', service: 'dynamodb' },
      credentials,
      now,
    );

    // Assess
    expect(ours.authorization).toBe(sent.headers.authorization);
  });

  it('asks the endpoint the SDK would for a DescribeTable of the table, with the same body', async () => {
    // Prepare
    const sent = await sdkDescribeTable('crowdstart-dev');
    const env = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };

    // Act
    const onAws = describeTableRequest('crowdstart-dev', env, new Date());
    const local = describeTableRequest('crowdstart-dev', { ...env, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' }, new Date());

    // Assess
    expect(onAws.url.href).toBe('https://dynamodb.eu-west-1.amazonaws.com/');
    expect(local.url.href).toBe('http://127.0.0.1:8000/');
    expect(JSON.parse(onAws.body)).toEqual(JSON.parse(sent.body));
    expect(onAws.headers['x-amz-target']).toBe(sent.headers['x-amz-target']);
    expect(onAws.headers['content-type']).toBe(sent.headers['content-type']);
  });
});
