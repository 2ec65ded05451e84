// runConformance end to end, against the reference server called in-process (and over HTTP where
// the socket matters): events and report agree, a read-only run only reads, reports only where
// asked, an abort or a throwing listener still deletes the users the run created, the request cap
// stops it, and a server that leaves requests unanswered gives findings while the run goes on.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type RequestListener } from "node:http";
import { Readable } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createReferenceHandler } from "../reference-server/server.ts";
import { ConformanceError, runConformance } from "./conformance.ts";
import type { ConformanceEvent } from "./events.ts";
import { verdictOf } from "./findings.ts";
import { listenLocal, type Listening } from "./listen.ts";
import { ConformanceOptionsError, type ConformanceOptions } from "./options.ts";
import { freePort } from "./prism.ts";
import { handlerTransport, httpTransport, type Transport } from "./transport.ts";

const KEY = "sk-conformance-TOPSECRET-7d1e";
const BASE = "http://reference.localhost";
const dirs: string[] = [];
const servers: Listening[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await Promise.all(servers.map((s) => s.stop()));
});

/** A run on a fresh reference server (or `handler`), quick: few cases, little shrinking. */
async function run(over: Partial<ConformanceOptions> = {}, handler?: RequestListener) {
  const transport = handlerTransport(handler ?? createReferenceHandler({ apiKey: KEY }));
  const events: ConformanceEvent[] = [];
  const report = await runConformance({
    apiKey: KEY,
    transport,
    baseUrl: BASE,
    seed: 3,
    budget: 5,
    shrinkMs: 500,
    onEvent: (e) => events.push(e),
    ...over,
  });
  return { report, events, transport };
}

/** Emails of the users a run left behind (the run id is in every address it makes). */
async function leftBehind(transport: Transport, runId: string): Promise<string[]> {
  const answer = await transport.send(
    { method: "GET", url: `${BASE}/v2/users?limit=100&email=${runId}`, headers: { Authorization: `Bearer ${KEY}` } },
    { timeoutMs: 5_000 },
  );
  return (JSON.parse(answer.body) as { users: { email: string }[] }).users.map((u) => u.email);
}

describe("a run and its events", () => {
  it("run-started first, run-finished last with the report; a request event per request; the key nowhere", async () => {
    const { report, events } = await run({ writes: true });
    expect(events[0]?.type).toBe("run-started");
    expect(events.at(-1)).toEqual({ type: "run-finished", report });
    const requests = events.filter((e) => e.type === "request");
    expect(requests).toHaveLength(report.requests);
    const started = events.filter((e) => e.type === "scenario-started").length;
    const finished = events.filter((e) => e.type === "scenario-finished");
    expect(finished).toHaveLength(report.scenarios.length);
    expect(started).toBe(report.scenarios.filter((s) => !s.skipped).length);
    expect(report.scenarios.reduce((n, s) => n + s.requests, 0)).toBeLessThan(report.requests); // set-up and clean-up are the run's own
    expect(report.findings).toEqual([]);
    expect(verdictOf(report)).toBe("PASS");
    expect(JSON.stringify(events)).not.toContain(KEY);
  });

  it("read-only: nothing but GETs, and the writing scenarios are skipped with the reason", async () => {
    const { report, events } = await run();
    const methods = new Set(events.flatMap((e) => (e.type === "request" ? [e.method] : [])));
    expect([...methods]).toEqual(["GET"]);
    expect(report.skipped).toContain("createUser: generated valid requests (writes not allowed)");
    expect(report.skipped.some((s) => s.startsWith("a user's life"))).toBe(true);
  });

  it("phases and operations narrow the run", async () => {
    const { report } = await run({ phases: ["positive"], operations: ["getUser", "listUsers"] });
    expect(report.scenarios.map((s) => s.name)).toEqual([
      "listUsers: generated valid requests",
      "getUser: generated valid requests",
    ]);
    await expect(run({ operations: ["getUsers"] })).rejects.toThrow(ConformanceOptionsError);
  });

  it("reports only where asked: the formats chosen, in reportDir", async () => {
    const dir = mkdtempSync(join(tmpdir(), "conformance-reports-"));
    dirs.push(dir);
    await run({ reportDir: join(dir, "a"), formats: ["json"] });
    expect(readdirSync(join(dir, "a"))).toEqual(["findings.json"]);
    await run({ reportDir: join(dir, "b") });
    expect(readdirSync(join(dir, "b")).sort()).toEqual(["conformance.md", "coverage.md", "findings.json", "junit.xml"]);
    expect(existsSync(join(dir, "c"))).toBe(false);
  });
});

describe("stopping", () => {
  it("an abort mid-run: the users it created are deleted, the report says interrupted", async () => {
    const abort = new AbortController();
    let writes = 0;
    const { report, transport } = await run({
      writes: true,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type === "request" && e.method === "POST" && ++writes === 10) abort.abort();
      },
    });
    expect(report.interrupted).toBe(true);
    expect(verdictOf(report)).toBe("INTERRUPTED");
    expect(report.scenarios.some((s) => s.skipped === "not run: interrupted")).toBe(true);
    expect(await leftBehind(transport, report.runId)).toEqual([]);
  });

  it("a listener that throws stops the run, which still cleans up, then rejects with that error", async () => {
    const transport = handlerTransport(createReferenceHandler({ apiKey: KEY }));
    let runId = "";
    const failing = runConformance({
      apiKey: KEY,
      transport,
      baseUrl: BASE,
      writes: true,
      budget: 5,
      onEvent: (e) => {
        if (e.type === "run-started") runId = e.runId;
        if (e.type === "scenario-finished" && e.scenario.name.startsWith("createUser"))
          throw new Error("listener broke");
      },
    });
    await expect(failing).rejects.toThrow("listener broke");
    expect(runId).not.toBe("");
    expect(await leftBehind(transport, runId)).toEqual([]);
  });

  it("the request cap: no more requests after it (but the clean-up's), the report says why", async () => {
    const { report, events, transport } = await run({ writes: true, maxRequests: 60 });
    expect(report.stopped).toBe("the request cap (60) was reached");
    const inScenarios = events.filter((e) => e.type === "request" && e.scenario !== "(run)");
    expect(inScenarios.length).toBeLessThanOrEqual(60);
    expect(report.scenarios.some((s) => s.skipped === "not run: the request cap (60) was reached")).toBe(true);
    expect(await leftBehind(transport, report.runId)).toEqual([]);
  });

  it("aborted before it starts: nothing is sent, every scenario is skipped, the report says interrupted", async () => {
    const abort = new AbortController();
    abort.abort();
    const { report } = await run({ writes: true, signal: abort.signal });
    expect(report.requests).toBe(0);
    expect(report.interrupted).toBe(true);
    expect(report.scenarios.every((s) => s.skipped === "not run: interrupted")).toBe(true);
  });

  it("a transport of the caller's is left open for the caller", async () => {
    const server = await listenLocal(createServer(createReferenceHandler({ apiKey: KEY })));
    servers.push(server);
    const transport = httpTransport();
    const options = { apiKey: KEY, baseUrl: server.url, transport, budget: 2, phases: ["positive" as const] };
    await runConformance(options);
    const again = await runConformance(options);
    expect(again.findings).toEqual([]);
    await transport.close();
  });

  it("a server that cannot be reached stops the run at once, with a clear error", async () => {
    const port = await freePort();
    await expect(runConformance({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}` })).rejects.toThrow(
      new ConformanceError(
        `cannot reach http://127.0.0.1:${port}: GET http://127.0.0.1:${port}/v2/users?limit=1: connection refused (nothing listens there)`,
      ),
    );
  });
});

describe("requests without an answer are findings, and the run goes on", () => {
  const reference = () => createReferenceHandler({ apiKey: KEY });

  it("a server that never answers lists filtered by status=expired: server_answers with the request; one full timeout, short ones after", async () => {
    const inner = reference();
    const hangsOnExpired: RequestListener = (req, res) => {
      if (req.method === "GET" && /[?&]status=expired/.test(req.url ?? "")) return; // never answers
      inner(req, res);
    };
    const { report, events } = await run(
      { requestTimeoutMs: 2_000, phases: ["positive", "properties"] },
      hangsOnExpired,
    );
    const unanswered = report.findings.filter((f) => f.check === "server_answers");
    expect(unanswered.length).toBeGreaterThan(0);
    expect(unanswered[0]).toMatchObject({
      operation: "listUsers",
      where: "no answer: no answer within the request timeout",
    });
    expect(unanswered[0]!.request?.url).toMatch(/status=expired/);
    expect(unanswered[0]!.curl).toMatch(/^curl .*status=expired/);
    expect(report.findings.filter((f) => f.check !== "server_answers")).toEqual([]);
    const waits = events.flatMap((e) => (e.type === "request" && e.status === undefined ? [e.ms] : []));
    expect(waits.length).toBeGreaterThan(1);
    expect(waits.slice(1).every((ms) => ms < 1_500)).toBe(true);
    // The scenarios went on with their other cases.
    expect(report.scenarios.find((s) => s.name === "listUsers: generated valid requests")?.cases).toBe(5);
  });

  it("over HTTP, a server that drops the connection on creates of a name with a digit: server_answers (connection closed), the other creates checked", async () => {
    const inner = reference();
    const server = await listenLocal(
      createServer((req, res) => {
        if (req.method !== "POST" || req.url !== "/v2/users") return inner(req, res);
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
          if (/"name":"[^"]*\d/.test(body)) return req.socket.destroy();
          // The body was read here: the handler gets a request that replays it.
          const replay = Object.assign(Readable.from([Buffer.from(body)]), {
            headers: req.headers,
            method: req.method,
            url: req.url,
          });
          inner(replay as unknown as IncomingMessage, res);
        });
      }),
    );
    servers.push(server);
    const report = await runConformance({
      apiKey: KEY,
      baseUrl: server.url,
      writes: true,
      seed: 3,
      budget: 25,
      shrinkMs: 500,
      phases: ["positive"],
      operations: ["createUser"],
    });
    const closed = report.findings.filter((f) => f.check === "server_answers");
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({
      operation: "createUser",
      where: "no answer: connection closed without an answer",
    });
    expect(closed[0]!.request?.body).toMatch(/"name":"[^"]*\d/);
    expect(closed[0]!.request?.url).toBe(`${server.url}/v2/users`);
    expect(report.scenarios[0]?.cases).toBe(25);
  });
});
