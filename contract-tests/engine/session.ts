// One run's way to the server and the checks every answer gets: the response checks, Prism's
// sl-violations where a Prism is involved, and for generated cases positive_accepted /
// negative_rejected. Requests go through the run's channel (limits, timeouts, events); with the
// cross-check on, valid requests go through Prism's validating proxy, invalid ones straight to
// the server (Prism would refuse them itself). A request that gets no answer throws Unanswered,
// a finding of server_answers with the request and its curl.
import type { Channel, RequestMeta } from "./channel.ts";
import type { CrossCheck } from "./cross-check.ts";
import { exchangeOf, pathOf, retrying, wireOf, type CaseParts } from "./http.ts";
import type { Sender, Sent } from "./properties.ts";
import { Unanswered, type Exchange, type Observation } from "./runner.ts";
import { NoAnswer, type Answer, type WireRequest } from "./transport.ts";

export interface SessionOptions {
  /** The server's base URL, no trailing slash: what every request and curl names. */
  baseUrl: string;
  apiKey: string;
  channel: Channel;
  /** Prism's validating proxy in front of the server, for valid requests (the cross-check). */
  crossCheck?: CrossCheck | undefined;
  /** The server is a Prism (mock or proxy): its `sl-violations` are findings of prism_violation. */
  slViolations: boolean;
  /** The response checks (status, media type, schema, headers, 5xx) on one answer. */
  checkResponse(operationId: string, answer: Exchange): Observation[];
  signal: AbortSignal;
  /** Sees every final answer (a run remembers each user a create made, to delete it at the end). */
  onAnswer?: (operationId: string, answer: Exchange) => void;
}

export interface CaseLike extends CaseParts {
  operationId: string;
  mayRefuse?: { statuses: string[]; reason: string }[];
  covers?: string[];
}

export interface Request {
  operation: string;
  method: string;
  path: string;
  body?: unknown;
  auth?: string | null;
}

interface SlViolation {
  location?: string[];
  severity?: string;
  message?: string;
}

const parseViolations = (header: string | undefined): SlViolation[] => {
  if (!header) return [];
  try {
    const v = JSON.parse(header) as unknown;
    return Array.isArray(v) ? (v as SlViolation[]) : [{ message: header }];
  } catch {
    return [{ message: `unreadable sl-violations header: ${header.slice(0, 200)}` }];
  }
};

/** Prism's sl-violations header of an answer, as prism_violation observations. */
export const prismViolations = (operation: string, answer: Exchange): Observation[] =>
  parseViolations(answer.headers["sl-violations"]).map((v) => ({
    check: "prism_violation",
    operation,
    message: `Prism ${v.severity ?? "violation"}${v.location?.length ? ` at ${v.location.join(".")}` : ""}: ${v.message ?? JSON.stringify(v)}`,
    where: v.location?.join(".").replace(/\.\d+(?=\.|$)/g, "[]"),
    exchange: answer,
  }));

const NO_ANSWER: Record<NoAnswer["kind"], string> = {
  timeout: "no answer within the request timeout",
  closed: "connection closed without an answer",
  malformed: "an answer that is not valid HTTP",
  refused: "connection refused",
  unreachable: "host unreachable",
  tls: "TLS handshake failed",
};

/** What cross-checking with Prism showed: answers Prism flagged that no check of the engine did. */
export interface CrossCheckStats {
  answers: number;
  flaggedByPrism: number;
  flaggedOnlyByPrism: number;
  /** A few of those, as `METHOD url: Prism's message` (for the report). */
  examples: string[];
}

export function createSession(o: SessionOptions) {
  const stats: CrossCheckStats = { answers: 0, flaggedByPrism: 0, flaggedOnlyByPrism: 0, examples: [] };

  /** One attempt: the answer the server gave, and what Prism said about it. */
  async function attempt(wire: WireRequest, meta: RequestMeta, direct: boolean) {
    const prism: Observation[] = [];
    let answer: Answer;
    try {
      if (o.crossCheck && !direct) {
        const seen = await o.crossCheck.send(wire, meta);
        prism.push(...seen.violations.map((v) => ({ ...v, operation: meta.operationId })));
        answer = seen.answer;
      } else answer = await o.channel.send(wire, meta);
    } catch (err) {
      if (!(err instanceof NoAnswer)) throw err;
      throw new Unanswered({
        check: "server_answers",
        operation: meta.operationId,
        message: `${wire.method} ${wire.url}: ${NO_ANSWER[err.kind]} (${err.message.replace(/^\S+ \S+: /, "")}).`,
        where: `no answer: ${NO_ANSWER[err.kind]}`,
        request: wire,
      });
    }
    const exchange = exchangeOf(wire, answer);
    if (o.slViolations) prism.push(...prismViolations(meta.operationId, exchange));
    return { exchange, prism };
  }

  /** Sends until the answer is not a 429 to wait out; every answer checked, each tallied for the cross-check. */
  async function deliver(wire: WireRequest, meta: RequestMeta, direct = false): Promise<Sent> {
    const observations: Observation[] = [];
    const { final } = await retrying(async () => {
      const { exchange, prism } = await attempt(wire, meta, direct);
      const checked = o.checkResponse(meta.operationId, exchange);
      observations.push(...prism, ...checked);
      if (o.crossCheck && !direct) tally(exchange, prism, checked);
      return exchange;
    }, o.signal);
    o.onAnswer?.(meta.operationId, final);
    return { exchange: final, observations };
  }

  function tally(exchange: Exchange, prism: Observation[], checked: Observation[]) {
    stats.answers++;
    if (!prism.length) return;
    stats.flaggedByPrism++;
    if (checked.length) return;
    stats.flaggedOnlyByPrism++;
    if (stats.examples.length < 5)
      stats.examples.push(`${exchange.request.method} ${exchange.request.url}: ${prism[0]!.message}`);
  }

  const sender: Sender & { sendRequest(r: Request, direct?: boolean): Promise<Sent> } = {
    send: (r) => sender.sendRequest(r),
    sendRequest(r, direct = false) {
      const headers: Record<string, string> = {};
      if (r.auth !== null) headers.Authorization = r.auth ?? `Bearer ${o.apiKey}`;
      let body: string | undefined;
      if (r.body !== undefined) {
        body = typeof r.body === "string" ? r.body : JSON.stringify(r.body);
        headers["Content-Type"] = "application/json";
      }
      const wire = { method: r.method, url: o.baseUrl + r.path, headers, body };
      return deliver(wire, { operationId: r.operation }, direct);
    },
  };

  /** Sends a generated case (negative cases `direct`: Prism would refuse them itself). */
  const sendCase = (c: CaseLike & { constraint?: { id: string } }, direct = false, auth?: string | null) =>
    deliver(
      wireOf(c, o.baseUrl, o.apiKey, auth),
      { operationId: c.operationId, covers: c.covers, constraint: c.constraint?.id },
      direct,
    );

  return {
    sender,
    sendCase,
    crossCheckStats: () => (o.crossCheck ? stats : undefined),

    /** A valid case: 2xx, or a status one of its x-may-refuse markers allows. 5xx and undocumented statuses are the response checks' findings. */
    async positive(c: CaseLike): Promise<Observation[]> {
      const { exchange, observations } = await sendCase(c);
      const s = exchange.status;
      const allowed = (c.mayRefuse ?? []).some((m) => m.statuses.includes(String(s)));
      if ((s < 200 || s >= 300) && !allowed && s < 500)
        observations.push({
          check: "positive_accepted",
          operation: c.operationId,
          message: `A valid ${c.method} ${pathOf(c)} was answered ${s}.${(c.mayRefuse ?? []).length ? ` The spec allows only 2xx or ${(c.mayRefuse ?? []).flatMap((m) => m.statuses).join("/")} here.` : ""}`,
          exchange,
        });
      return observations;
    },

    /** A case that breaks one constraint: a documented 4xx (a 2xx is a finding; 5xx and undocumented are the response checks'). */
    async negative(c: CaseLike & { description: string; constraint: { id: string } }): Promise<Observation[]> {
      const { exchange, observations } = await sendCase(c, true);
      if (exchange.status < 300)
        observations.push({
          check: "negative_rejected",
          operation: c.operationId,
          message: `The spec forbids this request (${c.description}); the server must refuse it with a documented 4xx, it answered ${exchange.status}.`,
          where: c.constraint.id,
          exchange,
        });
      return observations;
    },
  };
}

export type Session = ReturnType<typeof createSession>;
