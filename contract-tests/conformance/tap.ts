// A recording relay between Prism's proxy and the live server. With --errors Prism replaces a
// bad response by its own 500, so the tests would never see what the server really said; the
// tap keeps the server's own answer (keyed by the x-conformance-id request header) for the
// response checks (in process) and the behaviour checks: GET <tap>/__tap/<id> hands it back, once.
import { createServer, type IncomingMessage } from "node:http";
import { listenLocal, type Listening } from "./listen.ts";

export const TAP_ID_HEADER = "x-conformance-id";
export interface Recorded {
  status: number;
  headers: Record<string, string>;
  body: string;
}
export type Tap = Listening;

// Hop-by-hop or re-computed by the relay (fetch has already decoded the body).
const DROP = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  TAP_ID_HEADER,
]);
const MAX_KEPT = 500;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function startTap(upstream: string): Promise<Tap> {
  const kept = new Map<string, Recorded>();
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    const asked = /^\/__tap\/([\w-]+)$/.exec(path);
    if (asked && req.method === "GET") {
      const rec = kept.get(asked[1]!);
      kept.delete(asked[1]!);
      res.writeHead(rec ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(rec ?? null));
      return;
    }
    void (async () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined && !DROP.has(k)) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
      const body = await readBody(req);
      const upstreamRes = await fetch(upstream + path, {
        method: req.method ?? "GET",
        headers,
        ...(body.length ? { body: new Uint8Array(body) } : {}),
        redirect: "manual",
        signal: AbortSignal.timeout(60_000),
      });
      const text = await upstreamRes.text();
      const out: Record<string, string> = {};
      upstreamRes.headers.forEach((v, k) => {
        if (!DROP.has(k)) out[k] = v;
      });
      const id = req.headers[TAP_ID_HEADER];
      if (typeof id === "string") {
        if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value!);
        kept.set(id, { status: upstreamRes.status, headers: out, body: text });
      }
      res.writeHead(upstreamRes.status, out).end(text);
    })().catch((err: unknown) => {
      const detail = `conformance tap: upstream ${upstream} unreachable: ${err instanceof Error ? err.message : String(err)}`;
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(detail);
    });
  });
  return listenLocal(server);
}
