// The flags that bound a run, on the built command against the reference server: --max-requests
// stops it (the clean-up still runs), --request-timeout turns a request that gets no answer into a
// finding without stretching the run, --rate slows it, --prism-proxy adds Prism's cross-check.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Listening } from "../engine/listen.ts";
import { createReferenceHandler } from "../reference-server/server.ts";
import { cli as runCli, findingsOf, reports, testBed } from "./test/support.ts";

const KEY = `cli-key-${randomBytes(8).toString("hex")}`;
const { work, pool, tearDown } = testBed("cli-limits-");
afterAll(tearDown);
const cli = (args: string[], timeoutMs?: number) =>
  runCli(args, { env: { ARIZE_API_KEY: KEY }, cwd: work, ...(timeoutMs ? { timeoutMs } : {}) });

interface Seen {
  method: string;
  url: string;
}
/** The reference server, recording every request it gets. */
let recording: Listening & { seen: Seen[] };
/** The reference server, except that a list request with an email filter never gets an answer. */
let deaf: Listening;

beforeAll(async () => {
  const handler = createReferenceHandler({ apiKey: KEY });
  const seen: Seen[] = [];
  recording = Object.assign(
    await pool.serve((req, res) => {
      seen.push({ method: req.method!, url: req.url! });
      handler(req, res);
    }),
    { seen },
  );
  const deafHandler = createReferenceHandler({ apiKey: KEY });
  deaf = await pool.serve((req, res) => {
    const url = new URL(req.url!, "http://x");
    if (req.method === "GET" && url.pathname === "/v2/users" && url.searchParams.has("email")) return;
    deafHandler(req, res);
  });
});

describe("--max-requests", () => {
  it("stops the run at the cap; the clean-up still deletes the run's users; the report and summary say so", async () => {
    const dir = join(work, "capped");
    recording.seen.length = 0;
    const r = await cli(["--base-url", recording.url, "--allow-writes", "--max-requests", "50", "--report-dir", dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = findingsOf(dir);
    expect(report.stopped).toBe("the request cap (50) was reached");
    expect(r.stdout).toMatch(/^Stopped early: the request cap \(50\) was reached; \d+ scenario\(s\) did not run\.$/m);
    // Besides the preflight's one read: at most 50, and the clean-up's (deletes, and lists by the run id).
    const cleanup = (s: Seen) => s.method === "DELETE" || s.url.includes(`email=${report.runId}`);
    const sent = recording.seen.filter((s) => !cleanup(s));
    expect(sent.length - 1, "requests of the run, the clean-up's excepted").toBeLessThanOrEqual(50);
    expect(recording.seen.filter((s) => s.method === "POST").length, "users created").toBeGreaterThan(0);
    const list = await fetch(`${recording.url}/v2/users?limit=100&email=${report.runId}`, {
      headers: { Authorization: `Bearer ${KEY}` },
    });
    expect(((await list.json()) as { users: unknown[] }).users, "users left with the run's id").toEqual([]);
    reports(dir, KEY);
  });
});

describe("--request-timeout", () => {
  it("a kind of request the server never answers: server_answers findings with the request and its curl, in about a normal run's time", {
    timeout: 120_000,
  }, async () => {
    const dir = join(work, "deaf");
    const r = await cli(
      ["--base-url", deaf.url, "--request-timeout", "1", "--budget", "5", "--report-dir", dir],
      90_000,
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const report = findingsOf(dir);
    const unanswered = report.findings.filter((f: { check: string }) => f.check === "server_answers");
    expect(unanswered.length).toBeGreaterThan(0);
    // No request waited longer than --request-timeout (after the first, later ones wait less; the
    // finding shows the shrunk case, sent after the first).
    const waited = unanswered.map((f: { message: string }) => /\(no answer within ([\d.]+) s\)/.exec(f.message)?.[1]);
    expect(waited.length).toBeGreaterThan(0);
    expect(waited.filter((s: string | undefined) => s === undefined || Number(s) > 1)).toEqual([]);
    for (const f of unanswered) {
      expect(f.request.url).toMatch(/\/v2\/users\?.*email=/);
      expect(f.curl).toMatch(/^curl .*'http:\/\/127\.0\.0\.1:\d+\/v2\/users\?.*email=/);
      expect(f.curl).toContain('"$ARIZE_API_KEY"');
    }
    expect(r.stdout).toMatch(/^listUsers\s+server_answers\s+\d+\s+\d+$/m);
    // A normal read-only run takes about a second here; a timeout of 10 s per unanswered request
    // would take minutes. After the first, the engine waits less (at least 1 s each).
    expect(r.seconds, "seconds for the whole run").toBeLessThan(45);
    reports(dir, KEY);
  });
});

describe("--rate", () => {
  it("spaces the requests out: 40 requests at 20 a second take about 2 s (without it, well under 1 s)", async () => {
    const dir = join(work, "paced");
    const r = await cli(["--base-url", recording.url, "--rate", "20", "--max-requests", "40", "--report-dir", dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = findingsOf(dir);
    expect(report.requests).toBe(40);
    expect(report.seconds, "39 gaps of 50 ms").toBeGreaterThanOrEqual(1.9);
  });
});

describe("--prism-proxy", () => {
  it("from the repo (Prism installed): valid requests also pass Prism's validating proxy; the conforming server passes", {
    timeout: 120_000,
  }, async () => {
    const dir = join(work, "cross-checked");
    const r = await cli(["--base-url", recording.url, "--prism-proxy", "--report-dir", dir], 110_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = findingsOf(dir);
    expect(report.crossCheck.answers).toBeGreaterThan(0);
    expect(r.stdout).toMatch(
      /^Prism's validating proxy saw \d+ answers and flagged 0, of which 0 no check of the engine flagged\.$/m,
    );
    reports(dir, KEY);
  });
});
