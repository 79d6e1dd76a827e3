import { createHash, createHmac } from 'node:crypto';

type Env = Record<string, string | undefined>;

/**
 * Whether the table answers a DescribeTable within `timeoutMs`, using nothing but fetch and
 * node:crypto. /health calls it on every probe and must stay small to load: the DynamoDB
 * client would be most of its bundle, and signing one fixed request is all it needs from it.
 * So Signature V4 is written out below (test/unit/table-probe.test.ts checks that it signs
 * exactly as the AWS SDK does). Credentials and endpoint come from the same variables the SDK
 * reads on Lambda and locally.
 */
export async function tableAnswers(tableName: string, timeoutMs = 2_000): Promise<boolean> {
  const { url, headers, body } = describeTableRequest(tableName, process.env, new Date());
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false; // refused, reset or timed out: the table is not answering
  }
}

/** The signed DynamoDB DescribeTable request for `tableName`. */
export function describeTableRequest(tableName: string, env: Env, now: Date) {
  const region = env.AWS_REGION ?? 'us-east-1';
  const url = new URL(env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL ?? `https://dynamodb.${region}.amazonaws.com`);
  const body = JSON.stringify({ TableName: tableName });
  const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.DescribeTable' };
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: env.AWS_SESSION_TOKEN };
  return { url, headers: signV4({ method: 'POST', url, headers, body }, { region, service: 'dynamodb' }, credentials, now), body };
}

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** AWS Signature V4 over the host and every header given; returns them with the auth headers added. */
export function signV4(
  request: { method: string; url: URL; headers: Record<string, string>; body: string },
  scope: { region: string; service: string },
  credentials: Credentials,
  now: Date,
): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, ''); // 20150830T123600Z
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...lowerCased(request.headers), host: request.url.host, 'x-amz-date': amzDate };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    request.method,
    request.url.pathname,
    [...request.url.searchParams].map(([k, v]) => `${encode(k)}=${encode(v)}`).sort().join('&'),
    ...names.map((name) => `${name}:${headers[name]!.trim().replace(/\s+/g, ' ')}`),
    '',
    names.join(';'),
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = [day, scope.region, scope.service, 'aws4_request'].reduce<Buffer | string>(
    (key, part) => hmac(key, part),
    `AWS4${credentials.secretAccessKey}`,
  );
  const signature = hmac(signingKey, stringToSign).toString('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

const lowerCased = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
const sha256Hex = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
/** RFC 3986 unreserved characters stay, everything else is percent-encoded, as SigV4 requires. */
const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
