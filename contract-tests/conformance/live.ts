// Conformance mode, main-process side (called from the global setup when CONTRACT_BASE_URL is
// set): the recording tap Prism's proxy forwards to, the run id that marks the users this run
// creates, their deletion at the end (also on SIGINT/SIGTERM), and the report.
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { appendFinding, readFindings, renderReport } from "./findings.ts";
import { startTap } from "./tap.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Conformance mode: the tap that keeps the server's own responses ("" in mock mode). */
    tapUrl: string;
    /** Conformance mode: marks every user this run creates (in its email); "" in mock mode. */
    runId: string;
    /** Conformance mode: JSON lines of findings and skipped checks ("" in mock mode). */
    findingsFile: string;
    /** Conformance mode: JSON lines of the ids of users this run created ("" in mock mode). */
    createdFile: string;
  }
}

/** Where reports go: CONTRACT_REPORT_DIR (so parallel runs keep apart) or reports/. */
export const reportDir = (): string =>
  process.env.CONTRACT_REPORT_DIR ? resolve(process.env.CONTRACT_REPORT_DIR) : fileURLToPath(new URL("../../reports/", import.meta.url));

export const writesAllowed = (): boolean => process.env.CONTRACT_ALLOW_WRITES === "1";

export interface Live {
  tapUrl: string;
  provided: { tapUrl: string; runId: string; findingsFile: string; createdFile: string };
  /** Deletes what the run created, writes and prints the report; sets a failing exit code on findings. */
  finish(coverage?: string): Promise<void>;
  /** The run never started (Prism failed): stop the tap, forget the files. */
  abort(): Promise<void>;
}

export async function startLive(upstream: string): Promise<Live> {
  const key = process.env.ARIZE_API_KEY ?? "";
  if (!key.trim()) throw new Error("conformance mode: CONTRACT_BASE_URL is set but ARIZE_API_KEY is empty; export the key of the server under test");
  // Fail fast and plainly when the server is not there (any HTTP answer, even 401, will do).
  await fetch(`${upstream}/v2/users?limit=1`, { headers: { Authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(15_000) }).then(
    (r) => r.body?.cancel(),
    (err: unknown) => {
      const why = err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ""}` : String(err);
      throw new Error(`conformance mode: cannot reach CONTRACT_BASE_URL ${upstream}: ${why}`);
    },
  );
  const started = Date.now();
  const runId = `cm${started.toString(36)}${randomBytes(3).toString("hex")}`;
  const dir = mkdtempSync(join(tmpdir(), "arize-conformance-"));
  const findingsFile = join(dir, "findings.jsonl");
  const createdFile = join(dir, "created.jsonl");
  const tap = await startTap(upstream);

  let finished: Promise<void> | undefined;
  let reported = false;
  const report = (coverage?: string, interrupted = false) => {
    reported = true;
    const { findings, skipped } = readFindings(findingsFile);
    const report = renderReport({ upstream, runId, writes: writesAllowed(), findings, skipped, coverage, interrupted, seconds: (Date.now() - started) / 1000 });
    mkdirSync(reportDir(), { recursive: true });
    writeFileSync(join(reportDir(), "conformance.md"), report);
    console.log(`\n${report}\nReport written to ${join(reportDir(), "conformance.md")}`);
    rmSync(dir, { recursive: true, force: true });
    if (findings.length) process.exitCode = 1;
  };
  const finish = (coverage?: string) => (finished ??= (async () => {
    await tap.stop();
    if (writesAllowed()) await cleanup(upstream, runId, createdFile, findingsFile);
    report(coverage);
  })());

  // Interrupted: vitest exits 1 ms after the signal, so delete what we created and write the
  // report synchronously, then go. `on`, not `once`: while a listener remains, prism.ts's
  // handler does not re-raise the signal under our feet.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      if (reported) return;
      finished ??= Promise.resolve();
      // Runs to the end synchronously (spawnSync, no await on that path); deleting twice is harmless.
      if (writesAllowed()) void cleanup(upstream, runId, createdFile, findingsFile, true);
      report(undefined, true);
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
  const abort = async () => {
    finished ??= Promise.resolve();
    await tap.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { tapUrl: tap.url, provided: { tapUrl: tap.url, runId, findingsFile, createdFile }, finish, abort };
}

const CLEANUP = fileURLToPath(new URL("./cleanup.mjs", import.meta.url));

/** Runs cleanup.mjs; sync when interrupted (nothing async survives vitest's exit), else async. */
async function cleanup(upstream: string, runId: string, createdFile: string, findingsFile: string, sync = false): Promise<void> {
  const args = [CLEANUP, upstream, runId, createdFile];
  let stdout = "";
  let failure = "";
  if (sync) {
    const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 60_000 });
    stdout = r.stdout ?? "";
    failure = r.status === 0 ? "" : `cleanup exited ${r.status ?? r.signal}: ${r.stderr}`;
  } else {
    stdout = await new Promise<string>((resolve) => {
      execFile(process.execPath, args, { encoding: "utf8", timeout: 60_000 }, (err, out, errOut) => {
        if (err) failure = `cleanup failed: ${err.message} ${errOut}`;
        resolve(out);
      });
    });
  }
  let left: string[] = [];
  try {
    left = (JSON.parse(stdout) as { left: string[] }).left;
  } catch {
    failure ||= `cleanup printed no result: ${stdout}`;
  }
  if (left.length || failure) {
    appendFinding(findingsFile, { operation: "(run)", check: "cleanup", detail: `Could not delete every user this run created (emails contain ${runId}); delete them by hand. ${left.join(", ")} ${failure}`.trim() });
  }
}
