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

// One code path for every per-status subclass (bytes matter); registered by status for apiError.
const byStatus: Record<number, typeof ArizeApiError> = {};
const sub = (status: number, name: string): typeof ArizeApiError =>
  (byStatus[status] = class extends ArizeApiError {
    override name = name + "Error";
  });
export const BadRequestError = sub(400, "BadRequest");
export const AuthenticationError = sub(401, "Authentication");
export const PermissionDeniedError = sub(403, "PermissionDenied");
export const NotFoundError = sub(404, "NotFound");
export const ConflictError = sub(409, "Conflict");
export const UnprocessableEntityError = sub(422, "UnprocessableEntity");
export const RateLimitError = sub(429, "RateLimit");
/** Any 5xx. */
export const InternalServerError = sub(500, "InternalServer");
export type BadRequestError = ArizeApiError;
export type AuthenticationError = ArizeApiError;
export type PermissionDeniedError = ArizeApiError;
export type NotFoundError = ArizeApiError;
export type ConflictError = ArizeApiError;
export type UnprocessableEntityError = ArizeApiError;
export type RateLimitError = ArizeApiError;
export type InternalServerError = ArizeApiError;

/** The ArizeApiError subclass for a failed response. */
export const apiError = (res: Response, body?: unknown): ArizeApiError =>
  new (byStatus[res.status > 499 ? 500 : res.status] ?? ArizeApiError)(res, body);

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
