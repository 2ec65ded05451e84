// The command's parts in-process: flags → the library's options, the summary from a report
// object, progress counted from events, run.log's lines.
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import type { ConformanceEvent, ConformanceReport, Finding } from "../engine/index.ts";
import { listenLocal } from "../engine/listen.ts";
import { loadApi, routesOf } from "../engine/spec.ts";
import { conformanceOptions, parse, SetupError } from "./src/args.ts";
import { baseString } from "../engine/options.ts";
import { normalizeBaseUrl, preflight } from "./src/preflight.ts";
import { count, emptyProgress, progressLine } from "./src/progress.ts";
import { logLine } from "./src/run-log.ts";
import { renderTable, summaryOf } from "./src/summary.ts";

const KEY = { ARIZE_API_KEY: "parts-key" };
const options = (argv: string[], env: NodeJS.ProcessEnv = KEY) => {
  const p = parse(argv, env, "/work");
  if (!("options" in p)) throw new Error("expected options");
  return p.options;
};
const refused = (argv: string[], env: NodeJS.ProcessEnv = KEY) => {
  try {
    parse(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(SetupError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${argv.join(" ")}`);
};
const signal = new AbortController().signal;
const onEvent = () => {};
const hooks = (baseUrl: string) => ({ baseUrl, signal, onEvent });

describe("options", () => {
  it("maps every flag onto the library's options", () => {
    const o = options([
      "--base-url",
      "https://x.test/api/",
      "--allow-writes",
      "--seed",
      "42",
      "--budget",
      "60s",
      "--concurrency",
      "2",
      "--rate",
      "7.5",
      "--max-requests",
      "500",
      "--request-timeout",
      "2.5",
      "--report-dir",
      "out",
      "--format",
      "md,junit",
      "--only",
      "response_schema,status_documented",
      "--skip",
      "content_type",
      "--prism-proxy",
      "--allow-insecure-http",
      "--timeout",
      "3",
    ]);
    expect(o.timeout).toBe(3); // the preflight's, not the run's
    expect(conformanceOptions(o, hooks("https://x.test/api"))).toEqual({
      baseUrl: "https://x.test/api",
      apiKey: "parts-key",
      writes: true,
      allowInsecureHttp: true,
      prismProxy: true,
      seed: 42,
      budget: { seconds: 60 },
      concurrency: 2,
      rate: 7.5,
      maxRequests: 500,
      requestTimeoutMs: 2500,
      reportDir: "/work/out",
      formats: ["md", "junit"],
      only: ["response_schema", "status_documented"],
      skip: ["content_type"],
      signal,
      onEvent,
    });
    expect(conformanceOptions(options(["--base-url", "u", "--budget", "200"]), hooks("u")).budget).toBe(200);
  });

  it("defaults: read-only, ./reports, every format, a 10 s request timeout, the rest left to the library", () => {
    const o = options([], { ...KEY, CONTRACT_BASE_URL: "http://127.0.0.1:9" });
    expect(o.baseUrl).toBe("http://127.0.0.1:9");
    expect(o.timeout).toBe(10);
    expect(conformanceOptions(o, hooks(o.baseUrl))).toEqual({
      baseUrl: "http://127.0.0.1:9",
      apiKey: "parts-key",
      writes: false,
      allowInsecureHttp: false,
      prismProxy: false,
      requestTimeoutMs: 10_000,
      reportDir: "/work/reports",
      formats: ["md", "json", "junit"],
      signal,
      onEvent,
    });
  });

  it("--allow-insecure-http, or CONTRACT_ALLOW_INSECURE_HTTP=1; another value of it is refused", () => {
    expect(options(["--base-url", "u"]).allowInsecureHttp).toBe(false);
    expect(options(["--base-url", "u"], { ...KEY, CONTRACT_ALLOW_INSECURE_HTTP: "1" }).allowInsecureHttp).toBe(true);
    expect(options(["--base-url", "u"], { ...KEY, CONTRACT_ALLOW_INSECURE_HTTP: "0" }).allowInsecureHttp).toBe(false);
    expect(refused(["--base-url", "u"], { ...KEY, CONTRACT_ALLOW_INSECURE_HTTP: "yes" })).toBe(
      'CONTRACT_ALLOW_INSECURE_HTTP must be 1 (or 0, or unset), got "yes"',
    );
  });

  it("refuses bad values with a message naming the option", () => {
    expect(refused(["--base-url", "u", "--seed", "x"])).toMatch(/^--seed must be a whole number/);
    expect(refused(["--base-url", "u", "--seed", "99999999999999999999"])).toMatch(/^--seed must be a whole number/);
    expect(refused(["--base-url", "u", "--budget", "10m"])).toMatch(/^--budget must be/);
    expect(refused(["--base-url", "u", "--concurrency", "0"])).toMatch(/^--concurrency must be a whole number >= 1/);
    expect(refused(["--base-url", "u", "--rate", "0"])).toBe(
      '--rate must be a number above 0 (requests per second), got "0"',
    );
    expect(refused(["--base-url", "u", "--rate", "fast"])).toMatch(/^--rate must be a number above 0/);
    expect(refused(["--base-url", "u", "--max-requests", "0"])).toMatch(/^--max-requests must be a whole number >= 1/);
    expect(refused(["--base-url", "u", "--request-timeout=-1"])).toBe(
      '--request-timeout must be a number above 0 (seconds), got "-1"',
    );
    // parseArgs' own messages: one line, its first sentence.
    expect(refused(["--base-url", "u", "--request-timeout", "-1"])).toBe(
      "Option '--request-timeout' argument is ambiguous; see --help",
    );
    expect(refused(["--base-url", "u", "--timeout", "1.5"])).toMatch(/^--timeout must be a whole number >= 1/);
    expect(refused(["--base-url", "u", "--format", "md,html"])).toMatch(/^--format takes md,json,junit/);
    expect(refused(["--base-url", "u", "--only", "a b"])).toMatch(/^--only takes comma-separated check ids/);
    expect(refused(["--base-url", "u", "--api-key", "secret"])).toMatch(/export ARIZE_API_KEY instead/);
    expect(refused(["--base-url", "u", "--api-key", "secret"])).not.toContain("secret");
    expect(refused(["--base-url", "u", "--prism-proxy=yes"])).toMatch(/^Option '--prism-proxy' does not take/);
    expect(refused([])).toMatch(/^no server to check/);
    expect(refused(["--base-url", "u"], {})).toMatch(/^ARIZE_API_KEY is not set/);
  });

  it("takes base URLs with a path prefix or a trailing slash, refuses what is not http(s)", () => {
    expect(baseString(normalizeBaseUrl("http://127.0.0.1:8080/"))).toBe("http://127.0.0.1:8080");
    expect(baseString(normalizeBaseUrl("https://h.test/api/v/"))).toBe("https://h.test/api/v");
    expect(() => normalizeBaseUrl("localhost:8080")).toThrow(/must start with http/);
    expect(() => normalizeBaseUrl("http://u:p@h.test")).toThrow(/must not carry credentials/);
    expect(() => normalizeBaseUrl("not a url")).toThrow(/is not a URL/);
  });

  it("plain http only to this machine (127.0.0.0/8, ::1, localhost), unless allowed", () => {
    for (const ok of ["http://127.0.0.1:1", "http://127.9.8.7", "http://[::1]:8080", "http://LOCALHOST/api"])
      expect(() => normalizeBaseUrl(ok), ok).not.toThrow();
    for (const far of [
      "http://192.0.2.2:8080",
      "http://staging.example.com",
      "http://[fd00::2]",
      "http://127.0.0.1.nip.io",
    ])
      expect(() => normalizeBaseUrl(far), far).toThrow(
        /^refusing http:\/\/ to .+, which is not this machine: the API key would travel in cleartext; use https:\/\/, or pass --allow-insecure-http \(or set CONTRACT_ALLOW_INSECURE_HTTP=1\) to send it anyway$/,
      );
    expect(baseString(normalizeBaseUrl("http://192.0.2.2:8080/", true))).toBe("http://192.0.2.2:8080");
    expect(() => normalizeBaseUrl("https://192.0.2.2:8080")).not.toThrow();
  });
});

describe("preflight", () => {
  it("reads the spec's list operation, one user, with the key; a 200 JSON answer passes", async () => {
    const seen: { method?: string; url?: string; authorization?: string }[] = [];
    const server = await listenLocal(
      createServer((req, res) => {
        seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
        res.writeHead(200, { "content-type": "application/json" }).end('{"users":[]}');
      }),
    );
    try {
      const list = routesOf(await loadApi()).list;
      expect(list.method).toBe("GET");
      await preflight(normalizeBaseUrl(`${server.url}/api`), "parts-key", 5, list);
      await preflight(normalizeBaseUrl(server.url), "parts-key", 5, { pathTemplate: "/v9/people" });
      expect(seen).toEqual([
        { method: "GET", url: `/api${list.pathTemplate}?limit=1`, authorization: "Bearer parts-key" },
        { method: "GET", url: "/v9/people?limit=1", authorization: "Bearer parts-key" },
      ]);
    } finally {
      await server.stop();
    }
  });
});

const finding = (operation: string, check: string, message = "m"): Finding => ({
  operation,
  check,
  severity: "error",
  title: check,
  message,
  atMs: 1,
});

describe("summary", () => {
  const report = {
    seed: 7,
    seconds: 12.34,
    requests: 321,
    checks: [
      { id: "response_schema", ran: true },
      { id: "status_documented", ran: true },
      { id: "cleanup", ran: false },
    ],
    findings: [
      finding("listUsers", "response_schema"),
      finding("listUsers", "response_schema"),
      finding("getUser", "status_documented"),
    ],
    groups: [
      { key: "a", check: "response_schema", operation: "listUsers", count: 2 },
      { key: "b", check: "status_documented", operation: "getUser", count: 1 },
    ],
    scenarios: [],
  } as unknown as ConformanceReport;

  it("from the report: problems (groups) and findings by operation and check, and the run's facts", () => {
    const s = summaryOf(report);
    expect(s.findings).toBe(3);
    expect(s.rows).toEqual([
      { operation: "getUser", check: "status_documented", problems: 1, findings: 1 },
      { operation: "listUsers", check: "response_schema", problems: 1, findings: 2 },
    ]);
    expect(s.facts).toEqual(["2 checks", "321 requests", "12.3 s", "seed 7"]);
    expect(s.notes).toEqual([]);
    expect(renderTable(s.rows).split("\n")).toEqual([
      "operation  check              problems  findings",
      "---------  -----------------  --------  --------",
      "getUser    status_documented         1         1",
      "listUsers  response_schema           1         2",
    ]);
  });

  it("says when the run stopped early, and what Prism's cross-check added", () => {
    const s = summaryOf({
      ...report,
      stopped: "the request cap (50) was reached",
      scenarios: [
        { name: "a", skipped: undefined },
        { name: "b", skipped: "not run: the request cap (50) was reached" },
        { name: "c", skipped: "writes not allowed" },
      ] as ConformanceReport["scenarios"],
      crossCheck: { answers: 40, flaggedByPrism: 3, flaggedOnlyByPrism: 1, examples: [] },
    });
    expect(s.notes).toEqual([
      "Stopped early: the request cap (50) was reached; 1 scenario(s) did not run.",
      "Prism's validating proxy saw 40 answers and flagged 3, of which 1 no check of the engine flagged.",
    ]);
  });
});

describe("progress and run.log, from the run's events", () => {
  const scenario = { name: "listUsers: generated valid requests", phase: "positive" as const, checks: [] };
  const events: ConformanceEvent[] = [
    { type: "run-started", runId: "cm1", seed: 5, baseUrl: "http://h", writes: false, scenarios: [scenario, scenario] },
    { type: "scenario-started", scenario, index: 0, total: 2 },
    { type: "request", scenario: scenario.name, operationId: "listUsers", method: "GET", url: "u", status: 200, ms: 1 },
    { type: "request", scenario: scenario.name, operationId: "listUsers", method: "GET", url: "u", status: 200, ms: 1 },
    {
      type: "finding",
      scenario: scenario.name,
      finding: { ...finding("listUsers", "limit_respected", "limit=1:\n9 users"), where: "query.limit" },
    },
    {
      type: "scenario-finished",
      scenario,
      index: 0,
      total: 2,
      outcome: { requests: 2, cases: 2, findings: 1, seconds: 0.25 },
    },
    {
      type: "scenario-finished",
      scenario,
      index: 1,
      total: 2,
      outcome: { requests: 0, cases: 0, findings: 0, seconds: 0, skipped: "writes not allowed" },
    },
  ];

  it("counts scenarios done of all, requests and findings", () => {
    const p = emptyProgress();
    for (const e of events) count(p, e);
    expect(progressLine(12_400, p)).toBe("[12s] checks 2/2 · 2 requests · 1 findings");
  });

  it("one plain line per scenario started and finished, per finding; none per request", () => {
    expect(events.map(logLine)).toEqual([
      "run cm1 started: http://h, read-only, seed 5, 2 scenarios",
      "scenario 1/2 started: listUsers: generated valid requests",
      undefined,
      undefined,
      "finding: error limit_respected listUsers at query.limit: limit=1: 9 users",
      "scenario 1/2 finished: listUsers: generated valid requests: 2 requests, 2 cases, 1 findings, 0.25 s",
      "scenario 2/2 skipped: listUsers: generated valid requests (writes not allowed)",
    ]);
  });
});
