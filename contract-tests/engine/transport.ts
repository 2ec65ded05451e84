// How a request reaches the server. A Transport sends one request and hands back the whole answer,
// whatever its status, or rejects with NoAnswer; generation and checks do not care which one
// (Schemathesis: "the same case runs against any of these"). Two here: HTTP(S) to a live server
// over a keep-alive pool, and a Node request handler (`(req, res) => …`, an Express or Fastify
// app) called in-process, without a port. Neither follows redirects: a 3xx is an answer to check,
// and the API key never travels to another origin.
import http from "node:http";
import https from "node:https";

/** One HTTP request as it goes on the wire: an absolute URL, headers, the body as text. */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

/** The server's answer, read whole. Header names are lower case; repeated headers joined with ", ". */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface SendOptions {
  /** No answer (status, headers and the whole body) within this: NoAnswer "timeout". */
  timeoutMs: number;
  /** Aborts the exchange: rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

export interface Transport {
  send(request: WireRequest, options: SendOptions): Promise<Answer>;
  /** Releases what the transport holds (sockets); the run calls it at its end. */
  close(): Promise<void>;
}

/**
 * Why a request got no answer. "timeout", "closed" and "malformed" are the server's faults (findings);
 * "refused", "unreachable" and "tls" mean the server cannot be reached at all.
 */
export type NoAnswerKind = "timeout" | "closed" | "malformed" | "refused" | "unreachable" | "tls";

export class NoAnswer extends Error {
  override name = "NoAnswer";
  constructor(
    readonly kind: NoAnswerKind,
    readonly request: WireRequest,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const errorCode = (err: unknown): string => {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return String(e?.code ?? e?.cause?.code ?? "");
};

/** A transport error as NoAnswer (the caller's abort rejects with the signal's reason). */
function noAnswerOf(err: unknown, request: WireRequest, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  if (err instanceof NoAnswer) return err;
  const code = errorCode(err);
  const where = `${request.method} ${request.url}`;
  if (code === "ECONNREFUSED")
    return new NoAnswer("refused", request, `${where}: connection refused (nothing listens there)`, { cause: err });
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return new NoAnswer("unreachable", request, `${where}: the host cannot be reached (${code})`, { cause: err });
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|EPROTO/.test(code))
    return new NoAnswer("tls", request, `${where}: the TLS handshake failed (${code})`, { cause: err });
  if (code.startsWith("HPE_"))
    return new NoAnswer("malformed", request, `${where}: the answer is not valid HTTP (${code})`, { cause: err });
  const why = code || (err instanceof Error ? err.message : String(err));
  return new NoAnswer("closed", request, `${where}: the connection closed without an answer (${why})`, {
    cause: err,
  });
}

const timedOut = (request: WireRequest, ms: number) =>
  new NoAnswer("timeout", request, `${request.method} ${request.url}: no answer within ${Math.round(ms) / 1000} s`);

/** Node's header object as one string per name (set-cookie and friends joined). */
const flatHeaders = (headers: http.IncomingHttpHeaders | Record<string, unknown>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  return out;
};

/** A socket the pool reused was closed by the server meanwhile: the request may go again on a new one. */
class StaleSocket extends Error {}

function exchangeOnce(request: WireRequest, agent: http.Agent | false, options: SendOptions): Promise<Answer> {
  const url = new URL(request.url);
  const client = url.protocol === "https:" ? https : http;
  const headers: Record<string, string | number> = { ...request.headers };
  if (request.body !== undefined) headers["content-length"] = Buffer.byteLength(request.body);
  return new Promise<Answer>((resolve, reject) => {
    let answered = false;
    const req = client.request(url, { method: request.method, headers, agent, signal: options.signal });
    const timer = setTimeout(() => req.destroy(timedOut(request, options.timeoutMs)), options.timeoutMs);
    const fail = (err: unknown) => {
      clearTimeout(timer);
      const stale = !answered && req.reusedSocket && errorCode(err) === "ECONNRESET";
      reject(stale ? new StaleSocket() : noAnswerOf(err, request, options.signal));
    };
    req.on("error", fail);
    req.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("end", () => {
        clearTimeout(timer);
        if (!res.complete) return fail(new Error("the body ended early"));
        resolve({
          status: res.statusCode ?? 0,
          headers: flatHeaders(res.headers),
          body: Buffer.concat(chunks).toString("utf8"),
        });
      });
    });
    req.end(request.body);
  });
}

export interface HttpTransportOptions {
  /** Sockets per origin (default 8); requests beyond wait for a free one. */
  maxSockets?: number;
}

/** HTTP(S) over keep-alive pools (one per protocol). TLS trusts Node's CAs and NODE_EXTRA_CA_CERTS. */
export function httpTransport(options: HttpTransportOptions = {}): Transport {
  const pool = { keepAlive: true, maxSockets: options.maxSockets ?? 8 };
  const agents = { http: new http.Agent(pool), https: new https.Agent(pool) };
  return {
    async send(request, sendOptions) {
      const agent = request.url.startsWith("https:") ? agents.https : agents.http;
      try {
        return await exchangeOnce(request, agent, sendOptions);
      } catch (err) {
        if (!(err instanceof StaleSocket)) throw err;
        return exchangeOnce(request, false, sendOptions); // once, on a socket of its own
      }
    },
    async close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** light-my-request, loaded when a handler transport first sends (a run over HTTP never needs it). */
let loaded: Promise<typeof import("light-my-request").inject> | undefined;
const injector = () => (loaded ??= import("light-my-request").then((m) => m.inject));

/** A Node request handler: `(req, res) => …`, as `http.createServer` takes it (Express and Fastify apps are). */
export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * Calls `handler` in-process (light-my-request builds the request and response objects), so a
 * team tests its own implementation of the users API in its own tests, without a port. The
 * request's URL keeps its origin for the reports; the handler sees its path and query.
 */
export function handlerTransport(handler: RequestHandler): Transport {
  return {
    send(request, { timeoutMs, signal }) {
      const url = new URL(request.url);
      return new Promise<Answer>((resolve, reject) => {
        const timer = setTimeout(() => reject(timedOut(request, timeoutMs)), timeoutMs);
        const onAbort = () => reject(signal?.reason);
        signal?.addEventListener("abort", onAbort, { once: true });
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        };
        injector()
          .then((inject) =>
            inject(handler, {
              method: request.method as "GET",
              url: `${url.pathname}${url.search}`,
              headers: { host: url.host, ...request.headers },
              ...(request.body === undefined ? {} : { payload: request.body }),
            }),
          )
          .then(
            (res) => {
              done();
              resolve({ status: res.statusCode, headers: flatHeaders(res.headers), body: res.payload });
            },
            (err: unknown) => {
              done();
              reject(noAnswerOf(err, request, signal));
            },
          );
      });
    },
    close: async () => {},
  };
}
