import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** The SDK's checksum interface over node:crypto (the Node SDK's own is @smithy/hash-node, not installed). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret instanceof ArrayBuffer ? new Uint8Array(secret) : ArrayBuffer.isView(secret) ? new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength) : secret;
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: string | Uint8Array) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}
import { describeTableRequest } from '../../functions/adapters/dynamodb/table-probe';

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
  it("signs as the AWS SDK's own SigV4 signer does", async () => {
    // Prepare
    const now = new Date('2026-03-01T12:34:56Z');
    const env = {
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    };

    // Act
    const ours = await describeTableRequest('crowdstart-dev', env, now);

    // Assess: the SDK's signer, given the same request, computes the same signature
    const body = await ours.clone().text();
    const authorization = ours.headers.get('authorization')!;
    const signedNames = new Set(/SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';'));
    const given = [...ours.headers].filter(([name]) => signedNames.has(name) && !['host', 'x-amz-date', 'x-amz-security-token'].includes(name));
    const headers = Object.fromEntries(given);
    const sdkSigned = await new SignatureV4({ credentials, region: 'eu-west-1', service: 'dynamodb', sha256: Sha256, applyChecksum: false }).sign(
      { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8000, path: '/', headers: { ...headers, host: '127.0.0.1:8000' }, body },
      { signingDate: now },
    );
    expect(body).toBe('{"TableName":"crowdstart-dev"}');
    expect(authorization).toBe(sdkSigned.headers.authorization);
  });

  it('asks the endpoint the SDK would for a DescribeTable of the table, with the same body', async () => {
    // Prepare
    const sent = await sdkDescribeTable('crowdstart-dev');
    const env = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };

    // Act
    const onAws = await describeTableRequest('crowdstart-dev', env, new Date());
    const local = await describeTableRequest('crowdstart-dev', { ...env, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' }, new Date());

    // Assess
    expect(onAws.url).toBe('https://dynamodb.eu-west-1.amazonaws.com/');
    expect(local.url).toBe('http://127.0.0.1:8000/');
    expect(JSON.parse(await onAws.text())).toEqual(JSON.parse(sent.body));
    expect(onAws.headers.get('x-amz-target')).toBe(sent.headers['x-amz-target']);
    expect(onAws.headers.get('content-type')).toBe(sent.headers['content-type']);
  });
});
