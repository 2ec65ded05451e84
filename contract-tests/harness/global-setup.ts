// Vitest globalSetup of the contract project, the suite's edge: CONTRACT_* parsed into options.
//
// CONTRACT_BASE_URL unset → target "mock": one Prism mock for the whole run, always stopped, and
//   the coverage table at the end; a documented response the suite never exercised fails the run
//   (CONTRACT_COVERAGE=report only reports, for a filtered run by hand).
// CONTRACT_BASE_URL set → target "live": conformance mode. The engine runs here, in the main
//   process, once (`runConformance`), so that Ctrl-C can still delete the users it created; the
//   test files then give one verdict per scenario (conformance/generated.contract.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { runConformance } from "../engine/conformance.ts";
import { coverageReport } from "../engine/coverage.ts";
import { type FindingsRun, renderMarkdown, verdictOf } from "../engine/findings.ts";
import { startPrism } from "../engine/prism.ts";
import { ConformanceOptionsError, inCleartext } from "../engine/options.ts";
import { loadApi } from "../engine/spec.ts";
import { readGeneratedHits, readHits } from "./coverage.ts";
import { EnvError, envError, optionsFromEnv } from "./options-from-env.ts";
import { track } from "./processes.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** "mock": Prism's mock; "live": the engine ran against CONTRACT_BASE_URL. */
    target: "mock" | "live";
    /** The Prism mock ("" in live mode). */
    prismUrl: string;
    /** Append-only JSON lines of (operationId, status) hits and generated-case hits; see coverage.ts. */
    coverageFile: string;
    /** The run's fast-check seed (CONTRACT_SEED, else drawn here): every worker generates from it. */
    seed: number;
    /** Live mode: the run's report (findings.json), one verdict per scenario. */
    report: FindingsRun | null;
  }
}

/** Where reports go: CONTRACT_REPORT_DIR (so parallel runs keep apart) or reports/. */
export const reportDir = (): string =>
  process.env.CONTRACT_REPORT_DIR
    ? resolve(process.env.CONTRACT_REPORT_DIR)
    : fileURLToPath(new URL("../../reports/", import.meta.url));

export default async function setup(project: TestProject) {
  const options = optionsFromEnv(process.env); // a bad setting fails here, once, naming it
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  console.log(`contract: seed ${seed} (replay this run with CONTRACT_SEED=${seed})`);
  project.provide("seed", seed);
  project.provide("coverageFile", "");
  if (options.baseUrl) {
    project.provide("target", "live");
    project.provide("prismUrl", "");
    project.provide("report", await live({ ...options, seed }));
    return;
  }
  project.provide("target", "mock");
  project.provide("report", null);
  return mock(project, seed);
}

/** Conformance mode: the whole run, here; Ctrl-C aborts it (the engine deletes what it created). */
async function live(options: ReturnType<typeof optionsFromEnv> & { seed: number }): Promise<FindingsRun> {
  const interrupt = new AbortController();
  const release = holdSignals(() => interrupt.abort());
  const dir = options.reportDir ?? reportDir();
  try {
    const report = await runLive({ ...options, reportDir: dir, signal: interrupt.signal });
    console.log(`\n${renderMarkdown(report, [], { apiKey: options.apiKey })}\nReports written to ${dir}`);
    if (verdictOf(report) !== "PASS") process.exitCode = 1;
    return report;
  } finally {
    release();
  }
}

/**
 * One conformance run from the suite's settings: a missing key or a bad setting is an error that
 * names the variable; plain http to a host that is not loopback is refused unless
 * CONTRACT_ALLOW_INSECURE_HTTP=1, and then said once (`warn`), as the key travels in cleartext.
 */
export async function runLive(
  options: ReturnType<typeof optionsFromEnv>,
  warn: (line: string) => void = (line) => console.warn(line),
): Promise<FindingsRun> {
  const apiKey = options.apiKey ?? "";
  if (!apiKey.trim())
    throw new EnvError(
      "conformance mode: CONTRACT_BASE_URL is set but ARIZE_API_KEY is empty; export the key of the server under test",
    );
  const url = options.baseUrl && URL.canParse(options.baseUrl) ? new URL(options.baseUrl) : undefined;
  if (url && inCleartext(url) && options.allowInsecureHttp)
    warn(`contract: CONTRACT_ALLOW_INSECURE_HTTP=1: the API key travels in cleartext to ${url.host}`);
  try {
    return await runConformance({ ...options, apiKey });
  } catch (err) {
    throw err instanceof ConformanceOptionsError ? envError(err) : err;
  }
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * While the engine runs, Ctrl-C (or SIGTERM) aborts it rather than ending vitest at once (vitest
 * exits 1 ms after a signal), so that the run deletes the users it created and writes its partial
 * report. Vitest's own listeners are put aside meanwhile; `release` puts them back and, when a
 * signal came, raises it again for vitest to end as it would have.
 */
function holdSignals(onSignal: () => void): () => void {
  const held = new Map(SIGNALS.map((sig) => [sig, process.listeners(sig)]));
  let received: NodeJS.Signals | undefined;
  const listener = (sig: NodeJS.Signals) => {
    received ??= sig;
    onSignal();
  };
  for (const sig of SIGNALS) {
    process.removeAllListeners(sig);
    process.on(sig, listener);
  }
  return () => {
    for (const sig of SIGNALS) {
      process.off(sig, listener);
      for (const l of held.get(sig) ?? []) process.on(sig, l as (signal: NodeJS.Signals) => void);
    }
    if (received) process.kill(process.pid, received);
  };
}

/** The mock: one Prism for the run; at the end the coverage tables, and the gate on their gaps. */
async function mock(project: TestProject, seed: number) {
  const api = await loadApi(); // fail fast on a spec that does not bundle
  const dir = mkdtempSync(join(tmpdir(), "arize-contract-"));
  const coverageFile = join(dir, "coverage.jsonl");
  project.provide("coverageFile", coverageFile);
  const prism = await startPrism({ mode: "mock", onChild: track }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  project.provide("prismUrl", prism.url);

  return async () => {
    await prism.stop();
    const cover = coverageReport(
      api,
      readHits(coverageFile),
      readGeneratedHits(coverageFile),
      "Contract coverage (mock)",
      seed,
    );
    rmSync(dir, { recursive: true, force: true });
    console.log(`\n${cover.statuses.markdown}\n\n${cover.constraints.markdown.split("\n\n")[0]}\n`);
    mkdirSync(reportDir(), { recursive: true });
    writeFileSync(join(reportDir(), "coverage.md"), cover.markdown);
    // A filtered run (CONTRACT_COVERAGE=report, CONTRACT_ONLY/SKIP) only reports its gaps.
    const gate = process.env.CONTRACT_COVERAGE !== "report" && !process.env.CONTRACT_ONLY && !process.env.CONTRACT_SKIP;
    if (gate && cover.statuses.gaps.length > 0) {
      process.exitCode = 1;
      console.error(
        `FAIL: documented responses never exercised by the contract suite: ${cover.statuses.gaps.join(", ")}`,
      );
    }
    if (gate && cover.constraints.gaps.length > 0) {
      process.exitCode = 1;
      console.error(
        `FAIL: constraint coverage (a constraint without a negative case, or a value no positive case reached): ${cover.constraints.gaps.join("; ")}`,
      );
    }
  };
}
