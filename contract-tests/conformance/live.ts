// Conformance mode, main-process side (called from the global setup when CONTRACT_BASE_URL is
// set): the recording tap Prism's proxy forwards to, the run id that marks the users this run
// creates, their deletion at the end (also on SIGINT/SIGTERM), and the report.
import { execFile, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CHECKS, operationsOf, selectedChecks, sourceOf } from "../engine/checks.ts";
import { renderJunit, renderMarkdown, verdictOf, writeFindingsJson, type Finding } from "../engine/findings.ts";
import { loadApi } from "../engine/spec.ts";
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
  process.env.CONTRACT_REPORT_DIR
    ? resolve(process.env.CONTRACT_REPORT_DIR)
    : fileURLToPath(new URL("../../reports/", import.meta.url));

export const writesAllowed = (): boolean => process.env.CONTRACT_ALLOW_WRITES === "1";

export interface Live {
  tapUrl: string;
  provided: { tapUrl: string; runId: string; findingsFile: string; createdFile: string };
  /** Deletes what the run created, writes and prints the reports; sets a failing exit code on findings. */
  finish(coverage?: string, requests?: number): Promise<void>;
  /** The run never started (Prism failed): stop the tap, forget the files. */
  abort(): Promise<void>;
}

export async function startLive(upstream: string, seed: number): Promise<Live> {
  const key = process.env.ARIZE_API_KEY ?? "";
  if (!key.trim())
    throw new Error(
      "conformance mode: CONTRACT_BASE_URL is set but ARIZE_API_KEY is empty; export the key of the server under test",
    );
  // Fail fast and plainly when the server is not there (any HTTP answer, even 401, will do).
  await fetch(`${upstream}/v2/users?limit=1`, {
    headers: { Authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(15_000),
  }).then(
    (r) => r.body?.cancel(),
    (err: unknown) => {
      const why =
        err instanceof Error
          ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ""}`
          : String(err);
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
  const api = await loadApi();
  const report = (coverage?: string, interrupted = false, requests = 0) => {
    reported = true;
    const { findings, skipped, cases } = readLines(findingsFile);
    const selected = selectedChecks();
    const reads = new Set(["listUsers", "getUser"]);
    const checks = CHECKS.map((c) => {
      const operations = operationsOf(c, api).filter((op) => writesAllowed() || reads.has(op));
      return {
        id: c.id,
        title: c.title,
        severity: c.severity,
        operations,
        source: operations.map((op) => sourceOf(c, api, op)).join(" ") || c.source,
        ran: selected.has(c.id) && operations.length > 0,
      };
    });
    const run = writeFindingsJson(dir, {
      target: "live",
      server: upstream,
      runId,
      seed,
      budget: process.env.CONTRACT_BUDGET ?? "default",
      writes: writesAllowed(),
      startedAt: new Date(started).toISOString(),
      seconds: (Date.now() - started) / 1000,
      requests,
      cases,
      checks,
      skipped,
      findings,
      constraints: [],
      ...(interrupted ? { interrupted } : {}),
    });
    const formats = new Set((process.env.CONTRACT_FORMAT ?? "md,json,junit").split(",").map((f) => f.trim()));
    const markdown = renderMarkdown(run, coverage ? [coverage] : []);
    mkdirSync(reportDir(), { recursive: true });
    if (formats.has("json"))
      writeFileSync(join(reportDir(), "findings.json"), readFileSync(join(dir, "findings.json")));
    if (formats.has("md")) writeFileSync(join(reportDir(), "conformance.md"), markdown);
    if (formats.has("junit")) writeFileSync(join(reportDir(), "junit.xml"), renderJunit(run));
    console.log(`\n${markdown}\nReports (${[...formats].join(", ")}) written to ${reportDir()}`);
    rmSync(dir, { recursive: true, force: true });
    if (verdictOf(run) !== "PASS") process.exitCode = 1;
  };
  const finish = (coverage?: string, requests?: number) =>
    (finished ??= (async () => {
      await tap.stop();
      if (writesAllowed()) await cleanup(upstream, runId, createdFile, findingsFile);
      report(coverage, false, requests);
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
async function cleanup(
  upstream: string,
  runId: string,
  createdFile: string,
  findingsFile: string,
  sync = false,
): Promise<void> {
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
    const finding: Finding = {
      check: "cleanup",
      severity: "error",
      operation: "(run)",
      title: "every user the run created was deleted",
      message:
        `Could not delete every user this run created (emails contain ${runId}); delete them by hand. ${left.join(", ")} ${failure}`.trim(),
      atMs: 0,
    };
    appendFileSync(findingsFile, `${JSON.stringify({ type: "finding", ...finding })}\n`);
  }
}

/** The workers' JSON lines: findings, checks skipped, and how many generated cases each test sent. */
function readLines(file: string): { findings: Finding[]; skipped: string[]; cases: number } {
  const lines = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string } & Record<string, unknown>)
    : [];
  return {
    findings: lines.filter((l) => l.type === "finding").map(({ type: _, ...f }) => f as unknown as Finding),
    skipped: [...new Set(lines.filter((l) => l.type === "skipped").map((l) => String(l.check)))],
    cases: lines.filter((l) => l.type === "cases").reduce((n, l) => n + Number(l.n), 0),
  };
}
