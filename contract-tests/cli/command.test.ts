// The built command, run as a user would, against the reference server and its broken variants:
// exit codes (0 nothing found, 1 findings, 2 could not run) and the one-line setup errors. Last,
// the packed package in a fresh folder (npm install <tarball>, npx arize-users-conformance).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenLocal, type Listening } from "../engine/listen.ts";
import { freePort } from "../engine/prism.ts";
import { killAll, killGroup, track } from "../harness/processes.ts";
import { startReferenceServer } from "../reference-server/server.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(HERE, "../..");
const CLI = join(HERE, "dist/cli.mjs");
const KEY = `cli-key-${randomBytes(8).toString("hex")}`;
const work = mkdtempSync(join(tmpdir(), "cli-command-"));
const servers: Listening[] = [];
let conforming: Listening, faulty: Listening, hanging: Listening, relay: Listening;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command without the test runner's own VITEST and CONTRACT settings; killed after `timeoutMs`. */
function run(
  cmd: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<Result> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(VITEST|CONTRACT_|ARIZE_API_KEY$|TEST$|NODE_ENV$)/.test(k)),
  );
  const started = Date.now();
  const child = track(
    spawn(cmd, args, {
      cwd: opts.cwd ?? work,
      env: { ...env, ...opts.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => killGroup(child), opts.timeoutMs ?? 120_000);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      clearTimeout(timer);
      killGroup(child);
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}
const cli = (args: string[], env: Record<string, string> = { ARIZE_API_KEY: KEY }, timeoutMs?: number) =>
  run(process.execPath, [CLI, ...args], { env, ...(timeoutMs ? { timeoutMs } : {}) });

/** A setup failure: exit 2, exactly one line on stderr, no stack trace, no key. */
function expectSetupError(r: Result, line: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(line);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout + r.stderr).not.toContain(KEY);
}

/** Every file a run left in its report directory, none of which may contain the key. */
function reports(dir: string): string[] {
  const names = readdirSync(dir).sort();
  for (const n of names) expect(readFileSync(join(dir, n), "utf8"), n).not.toContain(KEY);
  return names;
}

beforeAll(async () => {
  const built = spawnSync(process.execPath, [join(HERE, "build.mjs")], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`build.mjs failed: ${built.stderr}`);
  conforming = await startReferenceServer({ apiKey: KEY });
  servers.push(conforming);
  faulty = await startReferenceServer({ apiKey: KEY, mutation: "limit-ignored" });
  servers.push(faulty);
  // Accepts connections, reads requests, never answers.
  hanging = await listenLocal(createServer(() => {}));
  servers.push(hanging);
  // The reference server behind a path prefix: /api/... is forwarded without /api, the rest is 404.
  relay = await listenLocal(
    createServer(async (req, res) => {
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
    }),
  );
  servers.push(relay);
});

afterAll(async () => {
  killAll();
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
});

describe("setup errors: one line on stderr, exit 2, before any check", () => {
  it("usage: --help and --version exit 0, an unknown option exits 2", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: arize-users-conformance --base-url URL/);
    expect(help.stdout).toMatch(/Exit codes: 0 nothing found, 1 findings, 2 could not run/);
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
  it("npm pack, npm install <tarball> in a fresh folder, npx arize-users-conformance", {
    timeout: 300_000,
  }, async () => {
    const packDir = join(work, "pack");
    const fresh = join(work, "fresh");
    mkdirSync(packDir);
    mkdirSync(fresh);
    const pack = await run("npm", ["pack", "-w", "arize-users-conformance", "--pack-destination", packDir], {
      cwd: ROOT,
    });
    expect(pack.code, pack.stderr).toBe(0);
    expect(existsSync(join(HERE, "dist/engine")), "postpack removes the engine copy").toBe(false);
    const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith(".tgz"))!);
    // --prefer-offline: the packages are in npm's cache after the repo's own install.
    const install = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], {
      cwd: fresh,
      timeoutMs: 240_000,
    });
    expect(install.code, install.stderr).toBe(0);
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
  });
});
