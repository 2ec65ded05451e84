// Every request of a run goes through one channel: the abort signal, the request cap
// (maxRequests), the rate limit (requests per second, shared by all requests in flight), the
// request timeout, and the `request` event. A server that once left a request unanswered gets
// shorter timeouts from then on (10 × its slowest answer, at least 1 s), and a kind of request
// (operation and query parameters) left unanswered twice shorter still (3 ×, at least 0.25 s), so that
// a kind of request it never answers costs one full timeout and short ones after: the run ends in
// about the time of a normal run, not a timeout per case.
import { NoAnswer, type Answer, type Transport, type WireRequest } from "./transport.ts";

/** Thrown to whoever sends once the run must stop: aborted, or the request cap reached. */
export class RunStopped extends Error {
  override name = "RunStopped";
}

export interface ChannelOptions {
  transport: Transport;
  signal: AbortSignal;
  /** Requests per second, shared; Infinity for no limit. */
  rate: number;
  /** Requests in all (the clean-up's excepted); Infinity for no cap. */
  maxRequests: number;
  requestTimeoutMs: number;
  /** After each exchange (also one that got no answer: `status` undefined). */
  onRequest(request: WireRequest, outcome: { status?: number; ms: number; meta: RequestMeta }): void;
}

/** What the caller says about a request, handed back in the `request` event. */
export interface RequestMeta {
  operationId: string;
  /** Coverage keys a generated valid case reached. */
  covers?: string[] | undefined;
  /** The constraint a generated invalid case breaks. */
  constraint?: string | undefined;
}

/** The shortest timeout after a server stopped answering, and how far above its slowest answer. */
const MIN_SHORT_TIMEOUT_MS = 1_000;
const SLOWEST_FACTOR = 10;
/** For a kind of request already left unanswered this often, the shortest timeout is lower still. */
const KNOWN_HANG_COUNT = 2;
const MIN_KNOWN_HANG_TIMEOUT_MS = 250;
const KNOWN_HANG_SLOWEST_FACTOR = 3;

/** A kind of request: its operation and the names of its query parameters (not their values). */
const kindOf = (request: WireRequest, meta: RequestMeta) => {
  const names = [...new URL(request.url).searchParams.keys()];
  return `${meta.operationId}?${[...new Set(names)].sort().join("&")}`;
};

export interface Channel {
  send(request: WireRequest, meta: RequestMeta, options?: { exempt?: boolean }): Promise<Answer>;
  /** Requests sent so far. */
  readonly requests: number;
  /** Why no more requests go out ("interrupted", "the request cap (500) was reached"), or undefined. */
  stopped(): string | undefined;
}

export function createChannel(o: ChannelOptions): Channel {
  let requests = 0;
  let slowestMs = 0;
  let unanswered = false; // a request timed out: later ones wait less
  const hangs = new Map<string, number>(); // timeouts by kind of request
  let nextSlot = 0; // epoch ms of the next request the rate allows
  let capReached = false;

  const stopped = () =>
    o.signal.aborted ? "interrupted" : capReached ? `the request cap (${o.maxRequests}) was reached` : undefined;

  const timeoutMs = (kind: string) => {
    if (!unanswered) return o.requestTimeoutMs;
    const known = (hangs.get(kind) ?? 0) >= KNOWN_HANG_COUNT;
    const short = known
      ? Math.max(MIN_KNOWN_HANG_TIMEOUT_MS, KNOWN_HANG_SLOWEST_FACTOR * slowestMs)
      : Math.max(MIN_SHORT_TIMEOUT_MS, SLOWEST_FACTOR * slowestMs);
    return Math.min(o.requestTimeoutMs, short);
  };

  /** Waits for this request's slot: at most `rate` a second, in the order they asked. */
  async function pace(): Promise<void> {
    if (!Number.isFinite(o.rate)) return;
    const now = Date.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + 1000 / o.rate;
    if (slot > now) await stoppableSleep(slot - now, o.signal);
  }

  return {
    get requests() {
      return requests;
    },
    stopped,
    async send(request, meta, { exempt = false } = {}) {
      if (!exempt) {
        if (stopped()) throw new RunStopped(stopped());
        if (requests >= o.maxRequests) {
          capReached = true;
          throw new RunStopped(stopped());
        }
      }
      requests++;
      if (!exempt) await pace();
      const started = performance.now();
      const kind = kindOf(request, meta);
      const limit = timeoutMs(kind);
      try {
        const answer = await o.transport.send(request, { timeoutMs: limit, signal: exempt ? undefined : o.signal });
        const ms = performance.now() - started;
        slowestMs = Math.max(slowestMs, ms);
        o.onRequest(request, { status: answer.status, ms, meta });
        return answer;
      } catch (err) {
        o.onRequest(request, { ms: performance.now() - started, meta });
        if (o.signal.aborted && !exempt) throw new RunStopped("interrupted");
        if (err instanceof NoAnswer && err.kind === "timeout") {
          unanswered = true;
          hangs.set(kind, (hangs.get(kind) ?? 0) + 1);
        }
        throw err;
      }
    },
  };
}

/** Waits `ms`; an abort of `signal` ends the wait at once with RunStopped("interrupted"). */
export function stoppableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RunStopped("interrupted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}
