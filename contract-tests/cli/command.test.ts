// The built command, run as a user would, against the reference server and its broken variants:
// exit codes (0 nothing found, 1 findings, 2 could not run) and the one-line setup errors. Last,
// the packed package in a fresh folder (npm install <tarball>, npx arize-users-conformance).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Listening } from "../engine/listen.ts";
import { freePort } from "../engine/prism.ts";
import { startReferenceServer } from "../reference-server/server.ts";
import {
  CLI_DIR,
  cli as runCli,
  expectSetupError as setupError,
  installPacked,
  reports as reportFiles,
  run,
  testBed,
  type Result,
} from "./test/support.ts";

const HERE = CLI_DIR;
const KEY = `cli-key-${randomBytes(8).toString("hex")}`;
const { work, pool, tearDown } = testBed("cli-command-");
afterAll(tearDown);
let conforming: Listening, faulty: Listening, hanging: Listening, relay: Listening;

const cli = (args: string[], env: Record<string, string> = { ARIZE_API_KEY: KEY }, timeoutMs?: number) =>
  runCli(args, { env, cwd: work, ...(timeoutMs ? { timeoutMs } : {}) });
const expectSetupError = (r: Result, line: RegExp) => setupError(r, line, KEY);
const reports = (dir: string) => reportFiles(dir, KEY);

beforeAll(async () => {
  conforming = pool.add(await startReferenceServer({ apiKey: KEY }));
  faulty = pool.add(await startReferenceServer({ apiKey: KEY, mutation: "limit-ignored" }));
  // Accepts connections, reads requests, never answers.
  hanging = await pool.serve(() => {});
  // The reference server behind a path prefix: /api/... is forwarded without /api, the rest is 404.
  relay = await pool.serve(async (req, res) => {
    if (!req.url?.startsWith("/api/")) return res.writeHead(404).end();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => !["host", "connection", "content-length"].includes(k)),
    ) as Record<string, string>;
    const up = await fetch(conforming.url + req.url.slice(4), {
      method: req.method!,
      headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    const out: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!["content-encoding", "content-length", "transfer-encoding", "connection"].includes(k)) out[k] = v;
    });
    res.writeHead(up.status, out).end(Buffer.from(await up.arrayBuffer()));
  });
});

describe("setup errors: one line on stderr, exit 2, before any check", () => {
  it("usage: --help and --version exit 0, an unknown option exits 2", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: arize-users-conformance --base-url URL/);
    expect(help.stdout).toMatch(/Exit codes: 0 nothing found, 1 findings, 2 could not run/);
    expect(help.stdout).toMatch(/^130 interrupted \(Ctrl-C: the run deletes the users it created/m);
    for (const flag of [
      "--rate N",
      "--max-requests N",
      "--request-timeout SECONDS",
      "--prism-proxy",
      "--allow-insecure-http",
    ])
      expect(help.stdout).toContain(`\n  ${flag} `.trimEnd());
    expect(help.stdout).toContain("CONTRACT_ALLOW_INSECURE_HTTP=1");
    const version = await cli(["--version"]);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(HERE, "package.json"), "utf8")).version);
    expectSetupError(
      await cli(["--base-url", conforming.url, "--bogus"]),
      /^arize-users-conformance: Unknown option '--bogus'; see --help$/m,
    );
  });

  it("missing key", async () => {
    expectSetupError(
      await cli(["--base-url", conforming.url], {}),
      /^arize-users-conformance: ARIZE_API_KEY is not set; export the API key of the server under test$/m,
    );
  });

  it("bad URL", async () => {
    expectSetupError(
      await cli(["--base-url", "localhost:8080"]),
      /the base URL must start with http:\/\/ or https:\/\/, got "localhost:8080"/,
    );
    expectSetupError(await cli(["--base-url", "http://"]), /the base URL "http:\/\/" is not a URL/);
  });

  it("closed port", async () => {
    const port = await freePort();
    expectSetupError(
      await cli(["--base-url", `http://127.0.0.1:${port}`]),
      new RegExp(
        `^arize-users-conformance: nothing listens at 127\\.0\\.0\\.1:${port} \\(connection refused\\); is the server running, is the port right\\?$`,
        "m",
      ),
    );
  });

  it("a server that accepts and never answers: the timeout fires", async () => {
    const r = await cli(["--base-url", hanging.url, "--timeout", "2"], { ARIZE_API_KEY: KEY }, 30_000);
    expectSetupError(
      r,
      /accepted the connection but sent no HTTP answer to GET http:\/\/127\.0\.0\.1:\d+\/v2\/users\?limit=1 within 2 s/,
    );
    expect(r.seconds).toBeLessThan(10);
  });

  it("wrong key", async () => {
    expectSetupError(
      await cli(["--base-url", conforming.url], { ARIZE_API_KEY: "not-the-key" }),
      new RegExp(
        `^arize-users-conformance: the API key was refused \\(401\\) by ${conforming.url}; check ARIZE_API_KEY$`,
        "m",
      ),
    );
  });

  it("a base URL whose path prefix is wrong: no users API there", async () => {
    expectSetupError(
      await cli(["--base-url", `${relay.url}/v1`]),
      /^arize-users-conformance: no users API at http:\/\/127\.0\.0\.1:\d+\/v1: GET \/v2\/users answered 404; check the base URL \(its path prefix\)$/m,
    );
  });
});

describe("the run refuses to start: runConformance's error as one line, exit 2", () => {
  it("an unknown check id", async () => {
    expectSetupError(
      await cli(["--base-url", conforming.url, "--only", "no_such_check"]),
      /^arize-users-conformance: Invalid option only: unknown check id "no_such_check"; known: no_server_error, /m,
    );
  });
});

describe("runs: exit 0 when nothing is found, 1 on findings", () => {
  it("the conforming reference server (trailing slash): exit 0, PASS, reports written", async () => {
    const dir = join(work, "conforming");
    const r = await cli(["--base-url", `${conforming.url}/`, "--report-dir", dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`PASS: nothing found against ${conforming.url} `);
    expect(r.stderr).toContain(`Checking ${conforming.url} (read-only); reports go to ${dir}`);
    expect(reports(dir)).toEqual(expect.arrayContaining(["conformance.md", "junit.xml", "run.log"]));
  });

  it("a faulty variant (limit ignored): exit 1, the fault in the table by operation and check", async () => {
    const dir = join(work, "faulty");
    const r = await cli(["--base-url", faulty.url, "--report-dir", dir, "--format", "junit"]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^listUsers\s+limit_respected\s+\d+\s+\d+$/m);
    expect(r.stdout).toMatch(/FAIL: \d+ finding\(s\) against/);
    // --format junit: the Markdown report is not kept.
    expect(reports(dir)).not.toContain("conformance.md");
    expect(reports(dir)).toContain("junit.xml");
  });

  it("a base URL with a path prefix (behind a relay that strips /api): exit 0", async () => {
    const dir = join(work, "prefixed");
    const r = await cli(["--base-url", `${relay.url}/api`, "--report-dir", dir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`PASS: nothing found against ${relay.url}/api `);
  });
});

describe("packed", () => {
  it("installed from the tarball into a fresh folder: small, no vitest, runs with npx; --prism-proxy without Prism says what to install", {
    timeout: 300_000,
  }, async () => {
    const fresh = join(work, "fresh");
    const install = await installPacked(inject("conformanceTarball"), fresh);
    expect(install.code, install.stderr).toBe(0);
    // What the command needs at run time, and nothing of the test tooling.
    const du = await run("du", ["-sk", "node_modules"], { cwd: fresh });
    const kib = Number(du.stdout.split("\t")[0]);
    expect(kib, `node_modules of the installed command: ${kib} KiB`).toBeLessThanOrEqual(30 * 1024);
    for (const tool of ["vitest", "@stoplight/prism-cli", "@redocly/openapi-core", "openapi-fetch"]) {
      const ls = await run("npm", ["ls", "--all", "--parseable", tool], { cwd: fresh });
      expect(ls.stdout.trim(), `${tool} in the installed tree`).toBe("");
    }
    const npx = (args: string[], env: Record<string, string> = { ARIZE_API_KEY: KEY }) =>
      run("npx", ["--no-install", "arize-users-conformance", ...args], { cwd: fresh, env });
    const ok = await npx(["--base-url", conforming.url]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Reports:\n  ${join(fresh, "reports", "conformance.md")}`);
    const bad = await npx(["--base-url", faulty.url]);
    expect(bad.code, bad.stdout + bad.stderr).toBe(1);
    expectSetupError(
      await npx(["--base-url", conforming.url], { ARIZE_API_KEY: "not-the-key" }),
      /the API key was refused \(401\)/,
    );
    // Prism is an optional peer: not installed here, so the cross-check cannot start.
    expectSetupError(
      await npx(["--base-url", conforming.url, "--prism-proxy"]),
      /^arize-users-conformance: .*Prism is not installed.*npm install @stoplight\/prism-cli@5\.16\.0$/m,
    );
  });
});
