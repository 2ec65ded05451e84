// arize-users-conformance: parse, preflight, run the library in-process (runConformance),
// summarise. Exit codes: 0 nothing found, 1 findings, 2 could not run (setup or usage), 130
// interrupted. Setup errors are one line on stderr.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  ConformanceError,
  ConformanceOptionsError,
  runConformance,
  type ConformanceEvent,
  type ConformanceReport,
  type ReportFormat,
} from "../../engine/index.ts";
import { loadApi, routesOf } from "../../engine/spec.ts";
import { conformanceOptions, HELP, parse, SetupError, type Options } from "./args.ts";
import { baseString, inCleartext } from "../../engine/options.ts";
import { normalizeBaseUrl, preflight } from "./preflight.ts";
import { count, emptyProgress, progressReporter, type Reporter } from "./progress.ts";
import { logLine, openRunLog, RUN_LOG, type RunLog } from "./run-log.ts";
import { renderTable, summaryOf } from "./summary.ts";

const NAME = "arize-users-conformance";
/** Report files by --format, and the other files a run leaves in the report directory. */
const REPORTS: Record<ReportFormat, string> = { md: "conformance.md", json: "findings.json", junit: "junit.xml" };
const OTHERS = ["coverage.md", RUN_LOG];
const INTERRUPTED = 130;

/** The key, once known: nothing the command prints may carry it. */
let secret = "";
const redacted = (text: string) => (secret ? text.split(secret).join("[REDACTED]") : text);
const say = (line: string) => process.stderr.write(`${NAME}: ${redacted(line)}\n`);

/** One line on stderr, exit 2. */
const fail = (message: string): number => {
  say(message);
  return 2;
};

/** Ctrl-C (or SIGTERM): the first aborts the run, which cleans up and reports; the second quits at once. */
function interruptOnSignals(o: Options, note: (line: string) => void, runId: () => string | undefined) {
  const abort = new AbortController();
  const onSignal = () => {
    if (!abort.signal.aborted) {
      note(
        `interrupted: ${o.allowWrites ? "deleting the users this run created, " : ""}writing a partial report (Ctrl-C again to quit at once)`,
      );
      abort.abort();
      return;
    }
    const left =
      o.allowWrites && runId() ? `; users this run created may remain (their emails contain ${runId()})` : "";
    say(`interrupted again: quitting at once${left}`);
    process.exit(INTERRUPTED);
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  return { signal: abort.signal, detach: () => process.off("SIGINT", onSignal).off("SIGTERM", onSignal) };
}

/** A report left by an earlier run must not be read as this run's. */
function prepareReportDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of [...Object.values(REPORTS), ...OTHERS]) rmSync(join(dir, f), { force: true });
}

/** What the run's events do here: progress on stderr (from the run's start), lines in run.log. */
function listener(o: Options, base: string, log: RunLog) {
  const progress = emptyProgress();
  const state: { reporter?: Reporter; runId?: string } = {};
  const onEvent = (event: ConformanceEvent) => {
    if (event.type === "run-started") {
      state.runId = event.runId;
      process.stderr.write(
        `Checking ${base} (${o.allowWrites ? "writes allowed" : "read-only"}); reports go to ${o.reportDir}\n`,
      );
      state.reporter = progressReporter(progress);
    }
    count(progress, event);
    const line = logLine(event);
    if (line) log.write(line);
  };
  return { onEvent, state };
}

/** runConformance threw: one line (the rest, if any, in run.log), exit 2; or 130 when interrupted. */
function failedRun(err: unknown, interrupted: boolean, log: RunLog, reportDir: string): number {
  if (interrupted) {
    say("interrupted before the checks began; nothing was changed");
    return INTERRUPTED;
  }
  const known = err instanceof ConformanceError || err instanceof ConformanceOptionsError;
  const message = err instanceof Error ? err.message : String(err);
  log.write(known ? message : `unexpected error: ${err instanceof Error ? err.stack : message}`);
  const [first = "", ...rest] = message.split("\n");
  const more = rest.length ? `; the rest in ${join(reportDir, RUN_LOG)}` : "";
  return fail(`${known ? "" : "unexpected error: "}${first}${more}`);
}

function printSummary(report: ConformanceReport, base: string, reportDir: string): void {
  const summary = summaryOf(report);
  const facts = ` (${summary.facts.join(", ")})`;
  const verdict = summary.findings
    ? `FAIL: ${summary.findings} finding(s) against ${base}${facts}`
    : `PASS: nothing found against ${base}${facts}`;
  const files = [...Object.values(REPORTS), ...OTHERS].map((f) => join(reportDir, f)).filter((f) => existsSync(f));
  const out = [
    "",
    summary.rows.length ? renderTable(summary.rows) : "No findings.",
    "",
    ...summary.notes,
    verdict,
    "Reports:",
    ...files.map((f) => `  ${f}`),
  ];
  process.stdout.write(`${redacted(out.join("\n"))}\n`);
}

async function run(o: Options): Promise<number> {
  const url = normalizeBaseUrl(o.baseUrl, o.allowInsecureHttp);
  if (inCleartext(url))
    say(`warning: http:// to ${url.hostname}, which is not this machine: the API key travels in cleartext`);
  await preflight(url, o.apiKey, o.timeout, routesOf(await loadApi()).list);
  const base = baseString(url);
  prepareReportDir(o.reportDir);
  const log = openRunLog(join(o.reportDir, RUN_LOG), o.apiKey);
  const { onEvent, state } = listener(o, base, log);
  const note = (line: string) => (state.reporter ? state.reporter.say(`${NAME}: ${line}`) : say(line));
  const interrupt = interruptOnSignals(o, note, () => state.runId);
  const outcome = await runConformance(
    conformanceOptions(o, { baseUrl: base, signal: interrupt.signal, onEvent }),
  ).then(
    (report) => ({ report }),
    (error: unknown) => ({ error }),
  );
  state.reporter?.finish();
  interrupt.detach();
  if ("error" in outcome) {
    const code = failedRun(outcome.error, interrupt.signal.aborted, log, o.reportDir);
    log.close();
    return code;
  }
  log.close();
  if (outcome.report.interrupted) {
    say(`interrupted; partial reports in ${o.reportDir}`);
    return INTERRUPTED;
  }
  printSummary(outcome.report, base, o.reportDir);
  return outcome.report.findings.length ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  try {
    const parsed = parse(argv, process.env);
    if ("help" in parsed) {
      process.stdout.write(HELP);
      return 0;
    }
    if ("version" in parsed) {
      const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    secret = parsed.options.apiKey;
    return await run(parsed.options);
  } catch (err) {
    if (err instanceof SetupError) return fail(err.message);
    return fail(`unexpected error: ${(err as Error).message}`);
  }
}

process.exitCode = await main(process.argv.slice(2));
