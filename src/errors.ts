import type { components } from "../generated/users.js";

type Problem = components["schemas"]["Problem"];

/** Base of every error the client throws. */
export class ArizeError extends Error {
  override name = "ArizeError";
}

/** The server answered with an HTTP error; `status` is the response's, not the body's. */
export class ArizeApiError extends ArizeError {
  override name = "ArizeApiError";
  /** The HTTP status of the response. */
  declare readonly status: number;
  /** The parsed Problem, when the body is one. */
  declare readonly problem?: Problem;
  /** The response headers (e.g. `retry-after`). */
  declare readonly headers: Headers;
  constructor(res: Response, body?: unknown) {
    // Never copy a temporary password into an error, even if a server echoed one.
    const { temporary_password: _, ...p } = (body ?? {}) as Problem & { temporary_password?: unknown };
    const ok = typeof p.title == "string";
    super(`${res.status} ${ok ? p.title + (p.detail ? ": " + p.detail : "") : res.statusText || "HTTP error"}`);
    this.status = res.status;
    if (ok) this.problem = p;
    this.headers = res.headers;
  }
}

export class BadRequestError extends ArizeApiError {
  override name = "BadRequestError";
}
export class AuthenticationError extends ArizeApiError {
  override name = "AuthenticationError";
}
export class PermissionDeniedError extends ArizeApiError {
  override name = "PermissionDeniedError";
}
export class NotFoundError extends ArizeApiError {
  override name = "NotFoundError";
}
export class ConflictError extends ArizeApiError {
  override name = "ConflictError";
}
export class UnprocessableEntityError extends ArizeApiError {
  override name = "UnprocessableEntityError";
}
export class RateLimitError extends ArizeApiError {
  override name = "RateLimitError";
}
/** Any 5xx. */
export class InternalServerError extends ArizeApiError {
  override name = "InternalServerError";
}

const ERROR_BY_STATUS: Record<number, typeof ArizeApiError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
  500: InternalServerError,
};

/** The ArizeApiError subclass for a failed response (every 5xx maps to InternalServerError). */
export const apiError = (res: Response, body?: unknown): ArizeApiError =>
  new (ERROR_BY_STATUS[res.status >= 500 ? 500 : res.status] ?? ArizeApiError)(res, body);

/** A bad argument or setting, named, never echoing secrets. */
export const invalid = (what: string, why: unknown) => new ArizeError(`Invalid ${what}: ${why}`);

/** The request never got an HTTP answer (DNS, refused, reset, …). */
export class ArizeConnectionError extends ArizeError {
  override name = "ArizeConnectionError";
}

/** An attempt exceeded `timeoutMs` (reading the body included). */
export class ArizeTimeoutError extends ArizeConnectionError {
  override name = "ArizeTimeoutError";
}

/** The caller's `signal` aborted the call. */
export class ArizeAbortError extends ArizeError {
  override name = "ArizeAbortError";
}
