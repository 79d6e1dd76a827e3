/**
 * The Crowdstart HTTP API as a browser client calls it: JSON bodies, `Authorization: Bearer`,
 * an `Idempotency-Key` on every write (the same key for retries of one action), and errors in the
 * contract's shape `{ error: { code, message, details }, requestId }`.
 */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'HTTP_ERROR';
    this.details = body?.error?.details ?? [];
  }
}

/** A client for the API on this origin; `token()` gives the signed-in customer's token, if any. */
export function apiClient(token) {
  async function call(method, path, { body, idempotencyKey } = {}) {
    const headers = {};
    const bearer = token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['idempotency-key'] = idempotencyKey ?? crypto.randomUUID();
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed;
  }
  return {
    get: (path) => call('GET', path),
    post: (path, body, options) => call('POST', path, { body, ...options }),
    patch: (path, body) => call('PATCH', path, { body }),
    delete: (path) => call('DELETE', path),
  };
}

/** `{ amount, currency }` in minor units as a price, e.g. "$15.00". */
export function money({ amount, currency }) {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount / 100);
}
