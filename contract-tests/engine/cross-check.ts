// Prism's validating proxy as a cross-check of the engine's own checks (opt-in: prismProxy). Valid
// requests go engine → Prism (`proxy --errors`) → a recording tap in this process → the run's
// channel → the server. With --errors Prism replaces a bad answer by its own 500, so the tap
// keeps the server's own answer (keyed by a request header) for the engine's checks, and Prism's
// sl-violations become prism_violation observations. A request Prism refuses itself is sent to
// the server directly, so the server is still checked.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import type { Channel, RequestMeta } from "./channel.ts";
import { exchangeOf } from "./http.ts";
import { listenLocal } from "./listen.ts";
import { startPrism } from "./prism.ts";
import type { Observation } from "./runner.ts";
import { prismViolations } from "./session.ts";
import { httpTransport, NoAnswer, type Answer, type WireRequest } from "./transport.ts";

export const TAP_ID_HEADER = "x-conformance-id";

// Hop-by-hop, or re-computed on the way.
const DROP = new Set(["host", "connection", "keep-alive", "transfer-encoding", "content-length", TAP_ID_HEADER]);
/** Prism's own work on top of the server's answer: the hop to Prism gets this much more than the request timeout. */
const PRISM_MARGIN_MS = 10_000;

export interface CrossCheck {
  /** The server's own answer to `request`, and Prism's violations on the exchange (operation left blank). */
  send(request: WireRequest, meta: RequestMeta): Promise<{ answer: Answer; violations: Observation[] }>;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

export interface CrossCheckOptions {
  /** The server's base URL (no trailing slash), as requests name it. */
  baseUrl: string;
  channel: Channel;
  /** The bundled spec Prism validates against. */
  spec: Record<string, unknown>;
  requestTimeoutMs: number;
  onChild?: (child: ChildProcess) => void;
}

export async function startCrossCheck(o: CrossCheckOptions): Promise<CrossCheck> {
  const pending = new Map<string, { meta: RequestMeta; answer?: Answer; error?: unknown }>();
  const tap = await listenLocal(
    createServer((req, res) => {
      const id = String(req.headers[TAP_ID_HEADER] ?? "");
      const entry = pending.get(id);
      void (async () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers))
          if (v !== undefined && !DROP.has(k)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        const body = await readBody(req);
        const wire = { method: req.method ?? "GET", url: o.baseUrl + (req.url ?? "/"), headers, body: body || undefined };
        const answer = await o.channel.send(wire, entry?.meta ?? { operationId: "(unknown)" });
        if (entry) entry.answer = answer;
        res.writeHead(answer.status, answer.headers).end(answer.body);
      })().catch((err: unknown) => {
        if (entry) entry.error = err;
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end("conformance tap: no answer from the server");
      });
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), "arize-cross-check-"));
  const specFile = join(dir, "openapi.json");
  writeFileSync(specFile, JSON.stringify(o.spec));
  const prism = await startPrism({ mode: "proxy", upstream: tap.url, spec: specFile, onChild: o.onChild }).catch(
    async (err: unknown) => {
      await tap.stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    },
  );
  const hop = httpTransport({ maxSockets: 16 });

  return {
    async send(request, meta) {
      const id = randomUUID();
      const entry: { meta: RequestMeta; answer?: Answer; error?: unknown } = { meta };
      pending.set(id, entry);
      try {
        const viaPrism = {
          ...request,
          url: prism.url + request.url.slice(o.baseUrl.length),
          headers: { ...request.headers, [TAP_ID_HEADER]: id },
        };
        const prismAnswer = await hop.send(viaPrism, { timeoutMs: o.requestTimeoutMs + PRISM_MARGIN_MS });
        if (entry.error) throw entry.error; // the server gave no answer (NoAnswer), or the run stopped
        const violations = prismViolations("", exchangeOf(request, prismAnswer));
        if (entry.answer) return { answer: entry.answer, violations };
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
        if (err instanceof NoAnswer && err.request.url.startsWith(prism.url))
          throw new Error(`Prism's validating proxy did not answer: ${err.message}`);
        throw err;
      } finally {
        pending.delete(id);
      }
    },
    async stop() {
      await hop.close();
      await prism.stop();
      await tap.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
