import { AwsClient } from 'aws4fetch';

type Env = Record<string, string | undefined>;

/**
 * Whether the table answers a DescribeTable within `timeoutMs`. /health calls it on every probe
 * and must stay small to load: the DynamoDB client would be most of its bundle, and one signed
 * request is all it needs from it, so the request goes out through fetch, signed (Signature V4)
 * by aws4fetch. Credentials and endpoint come from the same variables the SDK reads on Lambda
 * and locally.
 */
export async function tableAnswers(tableName: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const request = await describeTableRequest(tableName, process.env, new Date());
    const response = await fetch(request, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false; // refused, reset or timed out: the table is not answering
  }
}

/** The signed DynamoDB DescribeTable request for `tableName`, as of `now`. */
export function describeTableRequest(tableName: string, env: Env, now: Date): Promise<Request> {
  const region = env.AWS_REGION ?? 'us-east-1';
  const url = new URL(env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL ?? `https://dynamodb.${region}.amazonaws.com`);
  const signer = new AwsClient({
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    sessionToken: env.AWS_SESSION_TOKEN,
    region,
    service: 'dynamodb', // named, not guessed from the host: a local endpoint does not say it
    retries: 0,
  });
  return signer.sign(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.DescribeTable' },
    body: JSON.stringify({ TableName: tableName }),
    aws: { datetime: now.toISOString().replace(/[-:]|\.\d{3}/g, '') }, // 20150830T123600Z
  });
}
