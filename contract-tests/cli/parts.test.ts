// The command's parts in-process: flags → engine settings, the summary read from findings.json
// (written here as a fixture), progress lines.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { engineEnv, parse, SetupError } from "./src/args.ts";
import { baseString, normalizeBaseUrl } from "./src/preflight.ts";
import { readProgress } from "./src/run.ts";
import { readSummary, renderTable } from "./src/summary.ts";

const dir = mkdtempSync(join(tmpdir(), "cli-parts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
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

describe("options", () => {
  it("maps every flag onto the engine's settings", () => {
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
      "--report-dir",
      "out",
      "--format",
      "md,junit",
      "--only",
      "response_schema,status_documented",
      "--skip",
      "content_type",
    ]);
    expect(engineEnv(o, "https://x.test/api", "/tmp/p.jsonl")).toEqual({
      CONTRACT_BASE_URL: "https://x.test/api",
      ARIZE_API_KEY: "parts-key",
      CONTRACT_REPORT_DIR: "/work/out",
      CONTRACT_FORMAT: "md,junit",
      CONTRACT_PROGRESS_FILE: "/tmp/p.jsonl",
      CONTRACT_ALLOW_WRITES: "1",
      CONTRACT_SEED: "42",
      CONTRACT_BUDGET: "60s",
      CONTRACT_CONCURRENCY: "2",
      CONTRACT_ONLY: "response_schema,status_documented",
      CONTRACT_SKIP: "content_type",
    });
  });

  it("defaults: read-only, ./reports, every format, base URL from CONTRACT_BASE_URL", () => {
    const o = options([], { ...KEY, CONTRACT_BASE_URL: "http://127.0.0.1:9" });
    expect(engineEnv(o, o.baseUrl, "p")).toEqual({
      CONTRACT_BASE_URL: "http://127.0.0.1:9",
      ARIZE_API_KEY: "parts-key",
      CONTRACT_REPORT_DIR: "/work/reports",
      CONTRACT_FORMAT: "md,json,junit",
      CONTRACT_PROGRESS_FILE: "p",
    });
  });

  it("refuses bad values with a message naming the option", () => {
    expect(refused(["--base-url", "u", "--seed", "x"])).toMatch(/^--seed must be a whole number/);
    expect(refused(["--base-url", "u", "--budget", "10m"])).toMatch(/^--budget must be/);
    expect(refused(["--base-url", "u", "--concurrency", "0"])).toMatch(/^--concurrency must be a whole number >= 1/);
    expect(refused(["--base-url", "u", "--format", "md,html"])).toMatch(/^--format takes md,json,junit/);
    expect(refused(["--base-url", "u", "--only", "a b"])).toMatch(/^--only takes comma-separated check ids/);
    expect(refused(["--base-url", "u", "--api-key", "secret"])).toMatch(/export ARIZE_API_KEY instead/);
    expect(refused(["--base-url", "u", "--api-key", "secret"])).not.toContain("secret");
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
});

describe("summary", () => {
  it("reads findings.json: problems (groups) and findings by operation and check", () => {
    const d = mkdtempSync(join(dir, "json-"));
    const f = (operation: string, check: string) => ({
      operation,
      check,
      severity: "error",
      title: check,
      message: "m",
      atMs: 1,
    });
    writeFileSync(
      join(d, "findings.json"),
      JSON.stringify({
        version: 1,
        seed: 7,
        seconds: 12.34,
        requests: 321,
        checks: [
          { id: "response_schema", ran: true },
          { id: "status_documented", ran: true },
          { id: "cleanup", ran: false },
        ],
        findings: [
          f("listUsers", "response_schema"),
          f("listUsers", "response_schema"),
          f("getUser", "status_documented"),
        ],
        groups: [
          { key: "a", check: "response_schema", operation: "listUsers", count: 2 },
          { key: "b", check: "status_documented", operation: "getUser", count: 1 },
        ],
      }),
    );
    // The Markdown report is for people; the summary never reads it.
    writeFileSync(join(d, "conformance.md"), "## listUsers (1)\n\n### 1. other\n");
    const s = readSummary(d)!;
    expect(s.findings).toBe(3);
    expect(s.rows).toEqual([
      { operation: "getUser", check: "status_documented", problems: 1, findings: 1 },
      { operation: "listUsers", check: "response_schema", problems: 1, findings: 2 },
    ]);
    expect(s.facts).toEqual(["2 checks", "321 requests", "12.3 s", "seed 7"]);
    expect(renderTable(s.rows).split("\n")).toEqual([
      "operation  check              problems  findings",
      "---------  -----------------  --------  --------",
      "getUser    status_documented         1         1",
      "listUsers  response_schema           1         2",
    ]);
  });

  it("says so when findings.json is not JSON, and returns nothing when no report exists", () => {
    const d = mkdtempSync(join(dir, "bad-"));
    expect(readSummary(d)).toBeUndefined();
    writeFileSync(join(d, "conformance.md"), "## listUsers (1)\n\n### 1. other\n");
    expect(readSummary(d)).toBeUndefined();
    writeFileSync(join(d, "findings.json"), "{not json");
    expect(() => readSummary(d)).toThrow(/findings.json in .* is not valid JSON/);
  });
});

describe("progress", () => {
  it("reads the last complete line, skipping one being written", () => {
    const file = join(dir, "progress.jsonl");
    expect(readProgress(file)).toBeUndefined();
    writeFileSync(
      file,
      `${JSON.stringify({ requests: 10, findings: 0, checksDone: 1, checksTotal: 5 })}\n${JSON.stringify({ requests: 20, findings: 1, checksDone: 2, checksTotal: 5 })}\n{"requests":3`,
    );
    expect(readProgress(file)).toEqual({ requests: 20, findings: 1, checksDone: 2, checksTotal: 5 });
  });
});
