/**
 * Stripe's error responses: `{ error: { type, code?, decline_code?, message, param?, ... } }` with
 * the HTTP status the stripe SDK maps onto its error classes (400/404 invalid request or
 * idempotency, 401 authentication, 402 card, 500 api).
 */
export type StripeErrorType = 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  setup_intent?: unknown;
  payment_method?: unknown;
}

export class StripeApiError extends Error {
  /**
   * True when the request did its work before failing (a declined card leaves a failed charge and
   * an intent waiting for another card): the transaction commits and the answer is kept under the
   * idempotency key, as Stripe does. False for validation errors, which change nothing.
   */
  readonly commit: boolean;

  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    options: { commit?: boolean } = {},
  ) {
    super(body.message);
    this.name = 'StripeApiError';
    this.commit = options.commit ?? false;
  }
}

const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;

export function invalidRequest(message: string, code?: string, param?: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    message,
    ...(code ? { code, doc_url: docUrl(code) } : {}),
    ...(param ? { param } : {}),
  });
}

export function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, 'parameter_missing', param);
}

/** A referenced object that does not exist: 404 for the object in the path, 400 for a param. */
export function noSuch(what: string, id: string, param?: string): StripeApiError {
  const error = invalidRequest(`No such ${what}: '${id}'`, 'resource_missing', param);
  return param ? error : new StripeApiError(404, error.body);
}

/** Stripe takes some confirmation params on a create only together with `confirm=true`. */
export function confirmOnly(param: string): StripeApiError {
  return invalidRequest(`The parameter \`${param}\` can only be used when \`confirm\` is set to true.`, undefined, param);
}

export function unexpectedState(what: string, message: string): StripeApiError {
  return invalidRequest(message, `${what}_unexpected_state`);
}

export function unauthorized(message: string): StripeApiError {
  return new StripeApiError(401, { type: 'invalid_request_error', message });
}

export function idempotencyMismatch(key: string, detail: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with${detail}. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

/** What a lost response looks like; the work may or may not have happened. */
export function apiError(): StripeApiError {
  return new StripeApiError(500, {
    type: 'api_error',
    message: 'An unknown error occurred while processing your request (local fault injection).',
  });
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). The local Stripe server implements only the subset Crowdstart uses.`,
  });
}

export function cardError(
  fields: { code: string; decline_code?: string; message: string; charge?: string },
  related: { payment_intent?: unknown; setup_intent?: unknown; payment_method?: unknown },
): StripeApiError {
  return new StripeApiError(
    402,
    { type: 'card_error', ...fields, doc_url: docUrl(fields.code), ...related },
    { commit: true },
  );
}
