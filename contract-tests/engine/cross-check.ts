// Prism's validating proxy as a cross-check of the engine's own checks (opt-in: prismProxy). Valid
// requests go engine → Prism (`proxy --errors`) → a recording tap in this process → the run's
// channel → the server. With --errors Prism replaces a bad answer by its own 500, so the tap
// keeps the server's own answer (keyed by a request header) for the engine's checks, and Prism's
// sl-violations become prism_violation observations. A request Prism refuses itself is sent to
// the server directly, so the server is still checked.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import type { Channel, RequestMeta } from "./channel.ts";
import { exchangeOf } from "./http.ts";
import { listenLocal } from "./listen.ts";
import { startPrism } from "./prism.ts";
import type { Observation } from "./runner.ts";
import { prismViolations } from "./session.ts";
import { loadApi } from "./spec.ts";
import { httpTransport, NoAnswer, type Answer, type WireRequest } from "./transport.ts";

export const TAP_ID_HEADER = "x-conformance-id";

// Hop-by-hop, or re-computed on the way.
const DROP = new Set(["host", "connection", "keep-alive", "transfer-encoding", "content-length", TAP_ID_HEADER]);
/** Prism's own work on top of the server's answer: the hop to Prism gets this much more than the request timeout. */
const PRISM_MARGIN_MS = 10_000;

export interface CrossCheck {
  /** The server's own answer to `request`, and Prism's violations on the exchange (operation left blank). */
  send(request: WireRequest, meta: RequestMeta): Promise<{ answer: Answer; violations: Observation[] }>;
}

/** A request on its way through Prism: whose it is, and what came back. */
interface Passage {
  baseUrl: string;
  channel: Channel;
  meta: RequestMeta;
  answer?: Answer;
  error?: unknown;
}

/** Prism's validating proxy and the tap behind it: one can serve many runs at once. */
export interface PrismProxy {
  /** Prism's base URL. */
  url: string;
  /** Lets go of Prism and the tap. */
  stop(): Promise<void>;
  /** @internal The requests in flight, by the id in their tap header. */
  passages: Map<string, Passage>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** The tap: what Prism forwards goes to the run's own server through the run's channel, and is kept. */
async function forward(passages: Map<string, Passage>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const passage = passages.get(String(req.headers[TAP_ID_HEADER] ?? ""));
  try {
    if (!passage) throw new Error("a request without a known tap id");
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined && !DROP.has(k)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const body = await readBody(req);
    const wire = {
      method: req.method ?? "GET",
      url: passage.baseUrl + (req.url ?? "/"),
      headers,
      body: body || undefined,
    };
    passage.answer = await passage.channel.send(wire, passage.meta);
    res.writeHead(passage.answer.status, passage.answer.headers).end(passage.answer.body);
  } catch (err) {
    if (passage) passage.error = err;
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end("conformance tap: no answer from the server");
  }
}

/** Starts Prism's validating proxy on the spec (the users spec, bundled, unless given), in front of an in-process tap. */
export async function startPrismProxy(
  o: { spec?: Record<string, unknown>; onChild?: (child: ChildProcess) => void } = {},
): Promise<PrismProxy> {
  const passages = new Map<string, Passage>();
  const tap = await listenLocal(createServer((req, res) => void forward(passages, req, res)));
  const dir = mkdtempSync(join(tmpdir(), "arize-cross-check-"));
  const specFile = join(dir, "openapi.json");
  writeFileSync(specFile, JSON.stringify(o.spec ?? (await loadApi()).doc));
  const release = async () => {
    await tap.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const prism = await startPrism({ mode: "proxy", upstream: tap.url, spec: specFile, onChild: o.onChild }).catch(
    async (err: unknown) => {
      await release();
      throw err;
    },
  );
  return {
    url: prism.url,
    passages,
    async stop() {
      await prism.stop();
      await release();
    },
  };
}

export interface CrossCheckOptions {
  proxy: PrismProxy;
  /** The server's base URL (no trailing slash), as requests name it. */
  baseUrl: string;
  channel: Channel;
  requestTimeoutMs: number;
}

/** A run's way through the proxy. Close the returned cross-check's `hop` with `close()`. */
export function crossCheckThrough(o: CrossCheckOptions): CrossCheck & { close(): Promise<void> } {
  const hop = httpTransport({ maxSockets: 16 });
  const { proxy } = o;
  return {
    async send(request, meta) {
      const id = randomUUID();
      const passage: Passage = { baseUrl: o.baseUrl, channel: o.channel, meta };
      proxy.passages.set(id, passage);
      try {
        const viaPrism = {
          ...request,
          url: proxy.url + request.url.slice(o.baseUrl.length),
          headers: { ...request.headers, [TAP_ID_HEADER]: id },
        };
        const prismAnswer = await hop.send(viaPrism, { timeoutMs: o.requestTimeoutMs + PRISM_MARGIN_MS });
        if (passage.error) throw passage.error; // the server gave no answer (NoAnswer), or the run stopped
        const violations = prismViolations("", exchangeOf(request, prismAnswer));
        if (passage.answer) return { answer: passage.answer, violations };
        // Prism answered itself: it refused the request, so the server is asked directly.
        violations.push({
          check: "prism_violation",
          operation: "",
          message: `Prism answered ${prismAnswer.status} itself: it refused a request the engine generated as valid; sent to the server directly.`,
          where: "(refused by Prism)",
          exchange: exchangeOf(request, prismAnswer),
        });
        return { answer: await o.channel.send(request, meta), violations };
      } catch (err) {
        if (err instanceof NoAnswer && err.request.url.startsWith(proxy.url))
          throw new Error(`Prism's validating proxy did not answer: ${err.message}`);
        throw err;
      } finally {
        proxy.passages.delete(id);
      }
    },
    close: () => hop.close(),
  };
}
