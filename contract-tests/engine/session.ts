// One engine session in a test worker: how a request reaches the server under test (the Prism
// mock; or Prism's validating proxy in front of a live server, with the tap handing back the
// server's own answer; or the server directly, for requests Prism would refuse itself), and the
// checks every answer gets: the response checks, Prism's sl-violations, and for generated cases
// positive_accepted / negative_rejected.
import { randomUUID } from "node:crypto";
import { pathOf, retrying, sendOnce, wireOf, type CaseParts } from "./http.ts";
import type { Exchange, Observation } from "./runner.ts";
import type { Sender, Sent } from "./properties.ts";

export interface SessionOptions {
  target: "mock" | "live";
  /** The mock, or the validating proxy in front of the live server. */
  prismUrl: string;
  /** The live server itself ("" against the mock). */
  upstreamUrl: string;
  /** The tap between proxy and server ("" against the mock). */
  tapUrl: string;
  tapHeader: string;
  apiKey: string;
  /** The response checks (status, media type, schema, headers, 5xx) on one answer. */
  checkResponse(operationId: string, answer: Exchange): Observation[];
  /** Check ids that run (CONTRACT_ONLY / CONTRACT_SKIP). */
  selected: Set<string>;
  /** Sees every final answer (live runs remember each user a create made, to delete it at the end). */
  onAnswer?: (operationId: string, answer: Exchange) => void;
}

export interface CaseLike extends CaseParts {
  operationId: string;
  mayRefuse?: { statuses: string[]; reason: string }[];
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

export function createSession(o: SessionOptions) {
  const live = o.target === "live";
  const server = live ? o.upstreamUrl : o.prismUrl;
  const keep = (list: Observation[]) => list.filter((x) => o.selected.has(x.check));

  /** Through Prism: its sl-violations are observations; live, the answer is the server's own (from the tap). */
  async function viaPrism(
    operation: string,
    wire: Exchange["request"],
  ): Promise<{ answer: Exchange; prism: Observation[] }> {
    const id = randomUUID();
    const seen = await sendOnce(wire, {
      via: { from: server, to: o.prismUrl },
      hopHeaders: live ? { [o.tapHeader]: id } : {},
    });
    const prism = parseViolations(seen.headers["sl-violations"]).map((v) => ({
      check: "prism_violation",
      operation,
      message: `Prism ${v.severity ?? "violation"}${v.location?.length ? ` at ${v.location.join(".")}` : ""}: ${v.message ?? JSON.stringify(v)}`,
      where: v.location?.join(".").replace(/\.\d+(?=\.|$)/g, "[]"),
      exchange: seen,
    }));
    if (!live) return { answer: seen, prism };
    const kept = await fetch(`${o.tapUrl}/__tap/${id}`).then((r) =>
      r.ok ? (r.json() as Promise<Pick<Exchange, "status" | "headers" | "body">>) : undefined,
    );
    if (!kept) {
      prism.push({
        check: "prism_violation",
        operation,
        message: `Prism answered ${seen.status} itself: the request never reached the server (Prism refused it, or could not reach the server).`,
        where: "(no answer)",
        exchange: seen,
      });
      return { answer: seen, prism };
    }
    let json: unknown;
    try {
      json = kept.body ? JSON.parse(kept.body) : undefined;
    } catch {}
    return { answer: { request: wire, ...kept, json }, prism };
  }

  async function deliver(operation: string, wire: Exchange["request"], direct: boolean): Promise<Sent> {
    const prismSeen: Observation[] = [];
    const { final, retried } = await retrying(async () => {
      if (direct && live) return sendOnce(wire);
      const { answer, prism } = await viaPrism(operation, wire);
      prismSeen.push(...prism);
      return answer;
    });
    o.onAnswer?.(operation, final);
    const observations = [...prismSeen, ...[...retried, final].flatMap((answer) => o.checkResponse(operation, answer))];
    return { exchange: final, observations: keep(observations) };
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
      return deliver(r.operation, { method: r.method, url: server + r.path, headers, body }, direct);
    },
  };

  /** Sends a generated case (negative cases `direct`: Prism would refuse them itself). */
  const sendCase = (c: CaseLike, direct = false, auth?: string | null) =>
    deliver(c.operationId, wireOf(c, server, o.apiKey, auth), direct);

  return {
    live,
    sender,
    sendCase,

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
      return keep(observations);
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
      return keep(observations);
    },
  };
}

export type Session = ReturnType<typeof createSession>;
