/**
 * The error tree of the domain. Each error has a stable `code` that clients may branch on and
 * the HTTP status the edge answers with; messages are safe to show (no internals). Anything
 * that is not an AppError is rendered as a plain 500 by functions/shared/http.ts.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    readonly details: readonly unknown[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationFailed extends AppError {
  constructor(details: readonly unknown[], message = 'The request is invalid.') {
    super('VALIDATION_FAILED', 400, message, details);
  }
}

export class MalformedJson extends AppError {
  constructor(cause?: unknown) {
    super('MALFORMED_JSON', 400, 'The request body is not valid JSON.', [], { cause });
  }
}

export class Unauthorized extends AppError {
  constructor(message = 'A valid bearer token is required.') {
    super('UNAUTHORIZED', 401, message);
  }
}

export class Forbidden extends AppError {
  constructor(message = 'This route needs the admin role.') {
    super('FORBIDDEN', 403, message);
  }
}

export class NotFound extends AppError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', 404, `${what} ${id} was not found.`);
  }
}

export class Conflict extends AppError {
  constructor(code: string, message: string, details: readonly unknown[] = []) {
    super(code, 409, message, details);
  }
}

export class VersionConflict extends Conflict {
  constructor(expected: number, actual?: number) {
    super('VERSION_CONFLICT', `The resource changed since version ${expected}; fetch it and retry.`, [
      { expectedVersion: expected, currentVersion: actual ?? null },
    ]);
  }
}

export class InsufficientStock extends Conflict {
  constructor(sku: string, requested: number, available: number) {
    super('INSUFFICIENT_STOCK', `Only ${available} of ${sku} available, ${requested} requested.`, [
      { sku, requested, available },
    ]);
  }
}

export class IdempotencyKeyRequired extends AppError {
  constructor() {
    super('IDEMPOTENCY_KEY_REQUIRED', 400, 'This route needs an Idempotency-Key header.');
  }
}

export class IdempotencyInProgress extends Conflict {
  constructor() {
    super('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running; retry later.');
  }
}

export class IdempotencyKeyReused extends AppError {
  constructor() {
    super('IDEMPOTENCY_KEY_REUSED', 422, 'This Idempotency-Key was used with a different request.');
  }
}

export class TooManyRequests extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('TOO_MANY_REQUESTS', 429, 'Too many requests; slow down.');
  }
}
