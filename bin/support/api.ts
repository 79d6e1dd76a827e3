import { randomUUID } from 'node:crypto';
import { loadIdentity, localIssuer } from '../../lib/local/identity';

export interface ApiResult<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface CallOptions {
  readonly body?: unknown;
  /** A raw string body, sent as is (for malformed JSON). */
  readonly rawBody?: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** A client for one running stack (the global one by default). */
export function apiClient(url = process.env.CROWDSTART_URL!, dataDir = process.env.CROWDSTART_DATA_DIR!) {
  const identity = loadIdentity(dataDir, localIssuer(Number(new URL(url).port)));
  const call = async <T = any>(method: string, path: string, options: CallOptions = {}): Promise<ApiResult<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    url,
    call,
    get: <T = any>(path: string, options?: CallOptions) => call<T>('GET', path, options),
    post: <T = any>(path: string, options?: CallOptions) => call<T>('POST', path, options),
    put: <T = any>(path: string, options?: CallOptions) => call<T>('PUT', path, options),
    patch: <T = any>(path: string, options?: CallOptions) => call<T>('PATCH', path, options),
    delete: <T = any>(path: string, options?: CallOptions) => call<T>('DELETE', path, options),
    /** A signed token for `sub`, as `npm run token` prints. */
    token: async (sub: string, admin = false) => (await identity).sign({ sub, admin }),
    adminToken: async () => (await identity).sign({ sub: `ops-${randomUUID()}`, admin: true }),
    customerToken: async () => (await identity).sign({ sub: `customer-${randomUUID()}` }),
  };
}

/** A unique suffix so tests sharing one stack never collide on names or SKUs. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();
