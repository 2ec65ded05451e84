import { ArizeAbortError, ArizeConnectionError, ArizeError, ArizeTimeoutError, invalid } from "./errors.js";
import { OPERATIONS, type OperationId, policyOf, retriesBlindly, type RetryPolicy } from "./operations.js";

/** Per-call options: the optional last argument of every method. */
export interface RequestOptions {
  /** Aborting rejects the call at once with an ArizeAbortError. */
  signal?: AbortSignal;
  /** Limit for each attempt, reading the body included (default: the client's). */
  timeoutMs?: number;
  /** Retries after the first attempt (default: the client's). */
  maxRetries?: number;
}

/** What the `logger` is told after each attempt (never headers: Authorization stays out). */
export interface LogEntry {
  method: string;
  url: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The HTTP status, when there was a response. */
  status?: number;
  /** The error's name, when the attempt failed (e.g. ArizeTimeoutError). */
  error?: string;
  durationMs: number;
}

export type Fetch = (input: Request, init?: RequestInit) => Promise<Response>;

/**
 * The init key that carries a call's options to the wrapper, for `users.*` and `raw` alike:
 * openapi-fetch copies init keys a Request lacks onto the Request it hands to fetch. The signal
 * travels here too, not as the Request's own, so the wrapper listens to the caller's signal only.
 */
export const CALL_OPTIONS = "arizeCallOptions";

/** What reaches the wrapper with each request. */
export interface CallOptions extends RequestOptions {
  /** Given by `users.*`; a `raw` call's operation is found by method and path template. */
  operationId?: OperationId | undefined;
  /**
   * Set by the wrapper: the status of the response it returns. openapi-fetch parses a 2xx JSON
   * body itself, and its SyntaxError (which must not be shown: it quotes the body) has no status.
   */
  status?: number;
}

export interface RetryConfig {
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
  logger?: ((entry: LogEntry) => void) | undefined;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_RETRIES = 2;
/** A longer Retry-After is not waited for: the caller gets the error at once. */
const MAX_RETRY_AFTER_MS = 60_000;
/** setTimeout fires at once for larger delays, so larger timeouts are refused. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;

/** Statuses worth another attempt. */
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** For an operation a repeat could harm (it sends an email), only statuses where the server surely did not act. */
const RETRY_STATUSES_NOT_ACTED = new Set([429, 503]);
/** The statuses fetch would follow (with redirect: "follow"). */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const aborted = (signal: AbortSignal) => new ArizeAbortError("Request aborted", { cause: signal.reason });

/** Retry-After in ms (seconds or HTTP date; past → ≤ 0, now); 0 when absent, NaN when unreadable. */
export const retryAfter = (value: string | null): number => {
  if (value === null) return 0;
  const seconds = Number(value);
  return seconds >= 0 ? seconds * 1000 : Date.parse(value) - Date.now();
};

/** Exponential backoff: 0.5 s × 2^n, capped at 8 s, minus up to 25 % jitter. */
export const backoff = (attempt: number) =>
  Math.min(BACKOFF_BASE_MS * 2 ** attempt, BACKOFF_CAP_MS) * (1 - Math.random() / 4);

/** Retry-After wins; absent, 0 or unreadable, the backoff. */
const retryDelayMs = (res: Response | undefined, attempt: number) =>
  (res && retryAfter(res.headers.get("retry-after"))) || backoff(attempt);

/** Whether a response's status is worth another attempt under the operation's policy. */
const shouldRetry = (policy: RetryPolicy, res: Response) =>
  (retriesBlindly(policy) ? RETRY_STATUSES : RETRY_STATUSES_NOT_ACTED).has(res.status);

type Failure = { code?: unknown; message?: unknown; cause?: Failure } | undefined;

/**
 * What went wrong on the way, e.g. `Connection failed: GET http://127.0.0.1:1/v2/users (ECONNREFUSED)`:
 * the code of undici's cause (ECONNREFUSED, ENOTFOUND, …), else what the fetch said (a browser's
 * "Failed to fetch" has no cause).
 */
const connectionError = (req: Request, e: unknown) => {
  const failure = e as Failure;
  const why = [failure?.cause?.code, failure?.cause?.message, failure?.message].find((w) => typeof w === "string" && w);
  return new ArizeConnectionError(`Connection failed: ${req.method} ${req.url}${why ? ` (${why})` : ""}`, { cause: e });
};

/**
 * A redirect is not followed (fetch's redirect: "manual"): the API key goes to the baseUrl's origin
 * only, whatever fetch would strip on the way, and a DELETE is never turned into a GET (303). The
 * Location is shown without its query, which could carry a token. A browser hides the answer
 * (an "opaqueredirect" with status 0).
 */
const redirectError = (req: Request, res: Response) => {
  const location = res.headers.get("location")?.split(/[?#]/)[0];
  return new ArizeError(
    `Redirect not followed: ${req.method} ${req.url} answered ${res.status || "a redirect"}` +
      `${location ? ` to ${location}` : ""}; the client sends the API key to its baseUrl only: is baseUrl the API's address?`,
  );
};

/**
 * A timeout's message, true over retries: every attempt timed out, or only the last; and, when a
 * retry was allowed but the operation's policy forbade it, why it was not repeated.
 */
const timeoutMessage = (timeoutMs: number, attempts: number, timeouts: number, heldBack: boolean) =>
  `Timed out after ${timeoutMs} ms` +
  (attempts === 1
    ? ""
    : timeouts === attempts
      ? ` on each of ${attempts} attempts`
      : ` on the last of ${attempts} attempts`) +
  (heldBack ? "; not retried: the server may have acted, and a repeat could act twice (e.g. send a second email)" : "");

/** An attempt's result: the final response, or a wait before the next attempt, or the error to throw. */
type Outcome = { response: Response } | { retryInMs: number } | { error: ArizeError };

/**
 * The fetch handed to openapi-fetch: sets Authorization (so no header can replace it),
 * gives each attempt its own timeout (body read included, so the body is buffered here),
 * and retries per the operation's policy with a fresh copy of the request.
 */
export const retryingFetch =
  (base: Fetch, auth: string, config: RetryConfig) =>
  async (req: Request & { [CALL_OPTIONS]?: CallOptions }): Promise<Response> => {
    req.headers.set("authorization", auth);
    // Absent only when a middleware replaced the request: then the client's defaults apply.
    const options = req[CALL_OPTIONS] ?? {};
    const timeoutMs = options.timeoutMs ?? config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxRetries = options.maxRetries ?? config.maxRetries ?? DEFAULT_MAX_RETRIES;
    // Checked per call (client defaults included), so bad values fail clearly instead of misbehaving.
    if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) throw invalid("timeoutMs", timeoutMs);
    if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) throw invalid("maxRetries", maxRetries);
    const policy = options.operationId ? OPERATIONS[options.operationId].policy : policyOf(req.method, req.url);
    const outer = options.signal;
    // Ends whatever runs now (the attempt or the wait) when the caller aborts.
    let cancelCurrent = () => {};
    let timeouts = 0;

    /** One attempt with its own timeout, which also covers reading the body of the final response. */
    const attemptOnce = async (attempt: number): Promise<Outcome> => {
      const mayRetry = attempt < maxRetries;
      const controller = new AbortController();
      cancelCurrent = () => controller.abort();
      const started = Date.now();
      let res: Response | undefined;
      let err: ArizeError | undefined;
      // The reason marks our timeout (a caller abort is told apart first, by outer.aborted). Unref'd
      // (Node): a ref'd timer per request costs ≈ 10 µs of event-loop bookkeeping; the request's own
      // socket keeps the process alive meanwhile.
      const timer = setTimeout(() => controller.abort(timeoutMs), timeoutMs) as ReturnType<typeof setTimeout> & {
        unref?(): void;
      };
      timer.unref?.();
      try {
        // A body can be sent once: the last attempt may use the original.
        res = await base(req.body && mayRetry ? req.clone() : req, { signal: controller.signal, redirect: "manual" });
        if (REDIRECT_STATUSES.has(res.status) || res.type === "opaqueredirect") {
          res.body?.cancel().catch(() => {});
          err = redirectError(req, res);
          return { error: err };
        }
        if (mayRetry && shouldRetry(policy, res)) {
          const retryInMs = retryDelayMs(res, attempt);
          if (retryInMs <= MAX_RETRY_AFTER_MS) {
            res.body?.cancel().catch(() => {});
            return { retryInMs };
          }
        }
        // Serve the body from memory: openapi-fetch reads only text() or json(); cheaper than a second Response.
        const text = await res.text();
        res.text = async () => text;
        res.json = async () => JSON.parse(text);
        options.status = res.status;
        return { response: res };
      } catch (e) {
        // No response: a repeat is allowed only when it can do no harm.
        const last = !mayRetry || !retriesBlindly(policy);
        if (outer?.aborted) err = aborted(outer);
        else if (controller.signal.reason === timeoutMs)
          err = new ArizeTimeoutError(timeoutMessage(timeoutMs, attempt + 1, ++timeouts, mayRetry && last));
        else err = connectionError(req, e);
        if (outer?.aborted || last) return { error: err };
        return { retryInMs: retryDelayMs(undefined, attempt) };
      } finally {
        clearTimeout(timer);
        try {
          config.logger?.({
            method: req.method,
            url: req.url,
            attempt: attempt + 1,
            status: res?.status,
            error: err?.name,
            durationMs: Date.now() - started,
          });
        } catch {}
      }
    };

    // One abort listener per call (none without a signal).
    const onAbort = () => cancelCurrent();
    outer?.addEventListener("abort", onAbort);
    try {
      for (let attempt = 0; ; attempt++) {
        if (outer?.aborted) throw aborted(outer);
        const outcome = await attemptOnce(attempt);
        if ("response" in outcome) return outcome.response;
        if ("error" in outcome) throw outcome.error;
        // An abort ends the wait early; the loop's first line then rejects.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, outcome.retryInMs);
          cancelCurrent = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      outer?.removeEventListener("abort", onAbort);
    }
  };
