// What the command's tests share: running the built command (or npm, npx) as a user would, the
// checks on a setup error and on report files, servers on 127.0.0.1 that the tests stop, and the
// packed package installed into a fresh folder.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type RequestListener } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { listenLocal, type Listening } from "../../engine/listen.ts";
import { killAll, killGroup, track } from "../../harness/processes.ts";

export const CLI_DIR = fileURLToPath(new URL("..", import.meta.url));
export const ROOT = join(CLI_DIR, "../..");
/** Built by the project's globalSetup (npm pack's prepack). */
export const CLI = join(CLI_DIR, "dist/cli.mjs");

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd: string;
  timeoutMs?: number;
}

/**
 * Starts a command without the test runner's own VITEST, CONTRACT and key settings (its own
 * process group; killed after `timeoutMs`); `result` once it closed.
 */
export function start(cmd: string, args: string[], opts: RunOptions): { child: ChildProcess; result: Promise<Result> } {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(VITEST|CONTRACT_|ARIZE_API_KEY$|TEST$|NODE_ENV$)/.test(k)),
  );
  const started = Date.now();
  const child = track(
    spawn(cmd, args, {
      cwd: opts.cwd,
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
  const result = new Promise<Result>((resolve) => {
    child.once("close", (code) => {
      clearTimeout(timer);
      killGroup(child);
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
  return { child, result };
}

export const run = (cmd: string, args: string[], opts: RunOptions): Promise<Result> => start(cmd, args, opts).result;

/** The built command, from the repo. */
export const cli = (args: string[], opts: RunOptions): Promise<Result> => run(process.execPath, [CLI, ...args], opts);

/** A setup failure: exit 2, exactly one line on stderr, no stack trace, no key. */
export function expectSetupError(r: Result, line: RegExp, key: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(line);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout + r.stderr).not.toContain(key);
}

/** Every file a run left in its report directory, none of which may contain the key. */
export function reports(dir: string, key: string): string[] {
  const names = readdirSync(dir).sort();
  for (const n of names) expect(readFileSync(join(dir, n), "utf8"), n).not.toContain(key);
  return names;
}

/** findings.json of a run, as data. */
export const findingsOf = (dir: string) => JSON.parse(readFileSync(join(dir, "findings.json"), "utf8"));

/** Servers a test file starts on 127.0.0.1 (free ports): `stopAll` in afterAll, also when a test failed. */
export function serverPool() {
  const servers: Listening[] = [];
  return {
    async serve(handler: RequestListener): Promise<Listening> {
      const s = await listenLocal(createServer(handler));
      servers.push(s);
      return s;
    },
    add<T extends Listening>(s: T): T {
      servers.push(s);
      return s;
    },
    stopAll: () => Promise.all(servers.map((s) => s.stop())),
  };
}

/**
 * A test file's own folder (`work`) and servers; `tearDown`, for afterAll: kills the commands it
 * started, stops the servers, removes the folder.
 */
export function testBed(prefix: string) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const pool = serverPool();
  return {
    work,
    pool,
    async tearDown() {
      killAll();
      await pool.stopAll();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Installs the packed command into `dir` (a fresh folder) as a user would; npm's cache serves the dependencies. */
export async function installPacked(tarball: string, dir: string): Promise<Result> {
  mkdirSync(dir, { recursive: true });
  return run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], {
    cwd: dir,
    timeoutMs: 240_000,
  });
}
