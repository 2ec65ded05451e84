import type { components } from "../generated/users.js";

type Problem = components["schemas"]["Problem"];

/** Base of every error the client throws. */
export class ArizeError extends Error {
  override name = "ArizeError";
}

/** Longest server text kept on an error whose body is not a Problem. */
const MAX_BODY_CHARS = 500;
/** How much of that text the message quotes (the rest is on `body`). */
const MAX_BODY_CHARS_IN_MESSAGE = 200;
const REDACTED = "[redacted]";

/**
 * A body that is not a Problem, as text a person may read: a server could echo a temporary
 * password, a bearer token or the API key, none of which may reach an error. Redacted before
 * truncation, so no part of a secret survives the cut.
 */
const redactedText = (body: unknown, apiKey?: string) => {
  let text = typeof body === "string" ? body : JSON.stringify(body);
  if (apiKey) text = text.split(apiKey).join(REDACTED);
  return (
    text
      // As JSON ("temporary_password": "…") or as form or log text (temporary_password=…).
      .replace(/(temporary_password"?\s*[:=]\s*)(?:"(?:[^"\\]|\\.)*"|[^\s"&,;}]+)/g, `$1${REDACTED}`)
      // The token's characters only (RFC 6750's b64token), so the text after it stays readable.
      .replace(/(Bearer\s+)[\w.~+/=-]+/gi, `$1${REDACTED}`)
      .slice(0, MAX_BODY_CHARS)
  );
};

/** The server answered with an HTTP error; `status` is the response's, not the body's. */
export class ArizeApiError extends ArizeError {
  override name = "ArizeApiError";
  /** The HTTP status of the response. */
  declare readonly status: number;
  /** The parsed Problem, when the body is one. */
  declare readonly problem?: Problem;
  /** What the server said when the body is not a Problem (at most 500 characters, secrets redacted). */
  declare readonly body?: string;
  /** The response headers (e.g. `retry-after`). */
  declare readonly headers: Headers;
  /** `apiKey`: redacted from a body that is not a Problem, should the server echo it. */
  constructor(res: Response, body?: unknown, apiKey?: string) {
    // Never copy a temporary password into an error, even if a server echoed one.
    const { temporary_password: _, ...problem } = (body ?? {}) as Problem & { temporary_password?: unknown };
    const isProblem = typeof problem.title === "string";
    // An empty body ("" or none) has nothing to show.
    const text = isProblem || body == null || body === "" ? undefined : redactedText(body, apiKey);
    const what = isProblem
      ? problem.title + (problem.detail ? `: ${problem.detail}` : "")
      : res.statusText || "HTTP error";
    super(`${res.status} ${what}${text ? ` (body: ${text.slice(0, MAX_BODY_CHARS_IN_MESSAGE)})` : ""}`);
    this.status = res.status;
    if (isProblem) this.problem = problem;
    if (text) this.body = text;
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
export const apiError = (res: Response, body?: unknown, apiKey?: string): ArizeApiError =>
  new (ERROR_BY_STATUS[Math.min(res.status, 500)] ?? ArizeApiError)(res, body, apiKey);

/** A bad argument or setting, named, never echoing secrets. */
export const invalid = (what: string, why: unknown) => new ArizeError(`Invalid ${what}: ${why}`);

/** A value as a message shows it: a string quoted, a number as is, anything else by its kind. */
export const shown = (value: unknown) =>
  typeof value === "string"
    ? JSON.stringify(value)
    : typeof value === "number" || value == null
      ? String(value)
      : typeof value;

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
