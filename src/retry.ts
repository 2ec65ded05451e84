import { ArizeAbortError, ArizeConnectionError, type ArizeError, ArizeTimeoutError, invalid } from "./errors.js";

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

export interface RetryConfig {
  timeoutMs?: number | undefined;
  maxRetries?: number | undefined;
  logger?: ((entry: LogEntry) => void) | undefined;
}


// Statuses worth another attempt (3 digits, so no anchors needed). For operations that send an
// email, only those where the server did not act.
const SAFE = /408|429|50[0234]/;
const ONCE = /429|503/;

const aborted = (s: AbortSignal) => new ArizeAbortError("Request aborted", { cause: s.reason });

/** Retry-After in ms (seconds or HTTP date; past → ≤ 0, now); 0 when absent, NaN when unreadable. */
export const retryAfter = (v: string | null) => (+v! >= 0 ? +v! * 1e3 : Date.parse(v!) - Date.now());

/** Exponential backoff: 0.5 s × 2^n, capped at 8 s, minus up to 25 % jitter. */
export const backoff = (n: number) => Math.min(500 * 2 ** n, 8e3) * (1 - Math.random() / 4);

/**
 * The fetch handed to openapi-fetch: sets Authorization (so no header can replace it),
 * gives each attempt its own timeout (body read included, so the body is buffered here),
 * and retries per the operation's policy with a fresh copy of the request.
 */
export const retryingFetch =
  (base: Fetch, auth: string, c: RetryConfig) =>
  async (req: Request & RequestOptions & { o?: RequestOptions }): Promise<Response> => {
    req.headers.set("authorization", auth);
    // users.* hand their options over as `o`; raw calls have them on the request itself.
    const o = req.o ?? req;
    const timeoutMs = o.timeoutMs ?? c.timeoutMs ?? 6e4;
    const max = o.maxRetries ?? c.maxRetries ?? 2;
    // Checked per call (client defaults included), so bad values fail clearly instead of misbehaving.
    if (!(timeoutMs > 0 && timeoutMs < 2 ** 31)) throw invalid("timeoutMs", timeoutMs);
    if (!(max >= 0 && max % 1 == 0)) throw invalid("maxRetries", max);
    // resendInvitation / resetPassword (a POST below /users/…) must never be repeated blindly.
    const once = req.method == "POST" && !/users\/?(\?|$)/.test(req.url);
    const outer = o.signal;
    // One abort listener per call (none without a signal): it ends whatever runs now, the attempt or the wait.
    // kill is set before anything can abort (the loop's first lines run synchronously).
    let kill!: () => void,
      timer: ReturnType<typeof setTimeout> | undefined;
    const stop = () => kill();
    outer?.addEventListener("abort", stop);
    try {
      for (let n = 0; ; n++) {
        if (outer?.aborted) throw aborted(outer);
        const ac = new AbortController();
        const t0 = Date.now();
        // Retry-After wins; absent, 0 or unreadable, the backoff.
        let res: Response | undefined, err: ArizeError | undefined, ms = backoff(n);
        kill = () => ac.abort();
        // The reason marks our timeout (a caller abort is told apart first, by outer.aborted).
        // Unref'd (Node): a ref'd timer per request costs ≈ 10 µs of event-loop bookkeeping; the
        // request's own socket keeps the process alive meanwhile.
        (timer = setTimeout(() => ac.abort(timeoutMs), timeoutMs) as typeof timer & { unref?(): void }).unref?.();
        try {
          res = await base(req.body && n < max ? req.clone() : req, { signal: ac.signal });
          if (!(n < max && (once ? ONCE : SAFE).test(res.status + "") && !((ms = retryAfter(res.headers.get("retry-after")) || ms) > 6e4))) {
            // Read the body inside the attempt (its timeout covers it) and serve it from memory:
            // openapi-fetch reads only text() or json(); cheaper than a second Response.
            const text = await res.text();
            res.text = async () => text;
            res.json = async () => JSON.parse(text);
            return res;
          }
          res.body?.cancel().catch(() => {});
        } catch (e) {
          err = outer?.aborted
            ? aborted(outer)
            : ac.signal.reason === timeoutMs
              ? new ArizeTimeoutError(`Timed out after ${timeoutMs} ms`)
              : new ArizeConnectionError("Connection failed", { cause: e });
          if (outer?.aborted || once || n >= max) throw err;
        } finally {
          clearTimeout(timer);
          try {
            c.logger?.({ method: req.method, url: req.url, attempt: n + 1, status: res?.status, error: err?.name, durationMs: Date.now() - t0 });
          } catch {}
        }
        // An abort ends the wait early; the loop's first line then rejects.
        await new Promise((ok) => {
          kill = ok as () => void;
          timer = setTimeout(ok, ms);
        });
      }
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", stop);
    }
  };
