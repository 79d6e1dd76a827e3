/**
 * The only place that calls merchants' endpoints. node:http(s) rather than fetch, for one reason:
 * its `lookup` hook sees the addresses a host resolves to on the very connection it opens, so a
 * production stage refuses a private, loopback or link-local address at connect time too (a DNS
 * answer that changed since registration cannot smuggle a request to the metadata service).
 * Redirects are not followed: a 3xx is an answer, not a delivery.
 */
import { lookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { lookup as lookupAll } from 'node:dns/promises';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isNonPublicAddress, WebhookUrlRefused, type WebhookUrlPolicy } from '../../domain/webhook';

export interface SendResult {
  /** The endpoint's status code; absent when it never answered. */
  readonly statusCode?: number;
  readonly latencyMs: number;
  readonly error?: string;
}

/** At registration on a production stage: the host must resolve, and only to public addresses. */
export async function assertResolvesPublic(url: URL, policy: WebhookUrlPolicy): Promise<void> {
  if (policy !== 'public-https') return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = await lookupAll(host, { all: true }).catch(() => []);
  if (addresses.length === 0) throw new WebhookUrlRefused(url.href, 'its host does not resolve');
  if (addresses.some(({ address }) => isNonPublicAddress(address))) {
    throw new WebhookUrlRefused(url.href, 'its host resolves to a private, loopback or link-local address');
  }
}

/** POSTs `body` as JSON with `headers`; resolves (never rejects) with what happened within `timeoutMs`. */
export function postJson(url: URL, body: string, headers: Record<string, string>, policy: WebhookUrlPolicy, timeoutMs: number): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Crowdstart-Webhooks/1' },
    signal: AbortSignal.timeout(timeoutMs),
    lookup: policy === 'public-https' ? publicOnlyLookup : undefined,
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(url, options, (res) => {
      res.resume(); // the answer's body is not ours to keep
      res.on('end', () => resolve({ statusCode: res.statusCode, latencyMs: elapsed() }));
      res.on('error', (error) => resolve({ statusCode: res.statusCode, latencyMs: elapsed(), error: error.message }));
    });
    req.on('error', (error) => resolve({ latencyMs: elapsed(), error: error.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : error.message }));
    req.end(body);
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that fails the connection when any resolved address is not public. */
function publicOnlyLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    if (addresses.length === 0 || addresses.some(({ address }) => isNonPublicAddress(address))) {
      return callback(Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: 'EADDRNOTPUBLIC' }), []);
    }
    if ((options as LookupAllOptions).all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}
