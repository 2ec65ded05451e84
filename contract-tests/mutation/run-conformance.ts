// Runs conformance mode (`vitest run --project contract` against CONTRACT_BASE_URL) as a child
// process, the way a user would, with its own report directory. Children are always killed:
// on timeout, by `stopAll` (the mutation test's afterAll), and on exit or interrupt (processes.ts).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FindingsRun } from "../engine/findings.ts";
import { killGroup, track } from "../harness/processes.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VITEST = join(ROOT, "node_modules/.bin/vitest");

export interface ConformanceRun {
  code: number | null;
  seconds: number;
  /** stdout + stderr of the child. */
  output: string;
  /** reports/conformance.md of the run ("" when none was written). */
  report: string;
  /** findings.json of the run, parsed (undefined when none was written or it does not parse). */
  findings: FindingsRun | undefined;
  /** Every file the run wrote in its report directory, by name. */
  files: Record<string, string>;
}

export { killAll as stopAll } from "../harness/processes.ts";

export interface RunOptions {
  baseUrl: string;
  apiKey: string;
  writes?: boolean;
  timeoutMs?: number;
  /** CONTRACT_SEED: the same seed replays the same cases. */
  seed?: number;
  /** CONTRACT_BUDGET: cases per property, or seconds ("30s"). */
  budget?: string;
}

export async function runConformance(opts: RunOptions): Promise<ConformanceRun> {
  const reportDir = mkdtempSync(join(tmpdir(), "arize-conformance-run-"));
  // The parent is itself a vitest worker: drop its VITEST_* and CONTRACT_* settings.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(VITEST|CONTRACT_|TEST$|NODE_ENV$)/.test(k)),
  );
  Object.assign(env, {
    CONTRACT_BASE_URL: opts.baseUrl,
    ARIZE_API_KEY: opts.apiKey,
    CONTRACT_REPORT_DIR: reportDir,
    FORCE_COLOR: "0",
    NO_COLOR: "1",
    ...(opts.writes === false ? {} : { CONTRACT_ALLOW_WRITES: "1" }),
    ...(opts.seed === undefined ? {} : { CONTRACT_SEED: String(opts.seed) }),
    ...(opts.budget === undefined ? {} : { CONTRACT_BUDGET: opts.budget }),
    // A mutant is caught or not by its first cases; shrinking each of its problems long only costs time.
    CONTRACT_SHRINK_SECONDS: "2",
  });
  const started = Date.now();
  const child = track(
    spawn(VITEST, ["run", "--project", "contract"], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => {
    output += `\n[mutation test] killed after ${opts.timeoutMs ?? 300_000} ms\n`;
    killGroup(child);
  }, opts.timeoutMs ?? 300_000);
  const code = await new Promise<number | null>((resolve) => {
    child.once("error", (err) => {
      output += `\n[mutation test] cannot start vitest: ${err.message}\n`;
      resolve(null);
    });
    child.once("close", (c) => resolve(c));
  });
  clearTimeout(timer);
  killGroup(child); // anything left in its group
  const files: Record<string, string> = {};
  for (const name of ["conformance.md", "coverage.md", "junit.xml", "findings.json"]) {
    const path = join(reportDir, name);
    if (existsSync(path)) files[name] = readFileSync(path, "utf8");
  }
  rmSync(reportDir, { recursive: true, force: true });
  let findings: FindingsRun | undefined;
  try {
    findings = files["findings.json"] ? (JSON.parse(files["findings.json"]) as FindingsRun) : undefined;
  } catch {
    output += "\n[mutation test] findings.json does not parse\n";
  }
  return {
    code,
    seconds: (Date.now() - started) / 1000,
    output,
    report: files["conformance.md"] ?? "",
    findings,
    files,
  };
}
