// arize-users-conformance: parse, preflight, run the engine, summarise. Exit codes: 0 nothing
// found, 1 findings, 2 could not run (setup or usage). Setup errors are one line on stderr.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineEnv, HELP, parse, SetupError, type Options } from "./args.ts";
import { baseString, preflight } from "./preflight.ts";
import { runEngine, type Progress } from "./run.ts";
import { readSummary, renderTable, type Summary } from "./summary.ts";

const NAME = "arize-users-conformance";
/** Report files by --format, and the other files a run leaves in the report directory. */
const REPORTS: Record<string, string> = { md: "conformance.md", json: "findings.json", junit: "junit.xml" };
const OTHERS = ["coverage.md", "run.log"];

const fail = (message: string): number => {
  process.stderr.write(`${NAME}: ${message}\n`);
  return 2;
};

function progressLine(started: number, p: Progress | undefined, done: boolean): string {
  const elapsed = `${Math.round((Date.now() - started) / 1000)}s`;
  if (!p) return `[${elapsed}] ${done ? "done" : "running…"}`;
  return `[${elapsed}] checks ${p.checksDone}/${p.checksTotal} · ${p.requests} requests · ${p.findings} findings`;
}

/** A single rewritten line on a terminal; on CI a plain line every 30 s. */
function progressReporter(started: number): (p: Progress | undefined, last?: boolean) => void {
  const tty = process.stderr.isTTY;
  let lastPlain = started;
  return (p, last = false) => {
    if (tty) process.stderr.write(`\r\x1b[K${progressLine(started, p, last)}${last ? "\n" : ""}`);
    else if (last || Date.now() - lastPlain >= 30_000) {
      lastPlain = Date.now();
      process.stderr.write(`${progressLine(started, p, last)}\n`);
    }
  };
}

async function run(o: Options): Promise<number> {
  const url = await preflight(o.baseUrl, o.apiKey, o.timeout);
  const base = baseString(url);
  mkdirSync(o.reportDir, { recursive: true });
  // A report left by an earlier run must not be read as this run's.
  for (const f of [...Object.values(REPORTS), ...OTHERS]) rmSync(join(o.reportDir, f), { force: true });
  const work = mkdtempSync(join(tmpdir(), "arize-users-conformance-"));
  const progressFile = join(work, "progress.jsonl");
  writeFileSync(progressFile, "");
  const started = Date.now();
  process.stderr.write(
    `Checking ${base} (${o.allowWrites ? "writes allowed" : "read-only"}); reports go to ${o.reportDir}\n`,
  );
  const report = progressReporter(started);
  // findings.json is always asked for: the summary is read from it (removed below if not wanted).
  const settings = engineEnv({ ...o, formats: [...new Set([...o.formats, "json"])] }, base, progressFile);
  let latest: Progress | undefined;
  const engine = await runEngine(settings, (p) => {
    latest = p;
    report(p);
  }).finally(() => rmSync(work, { recursive: true, force: true }));
  report(latest, true);
  const log = engine.output.split(o.apiKey).join("[REDACTED]");
  writeFileSync(join(o.reportDir, "run.log"), log);

  let summary: Summary | undefined;
  try {
    summary = readSummary(o.reportDir);
  } catch (err) {
    return fail(`${(err as Error).message}; see ${join(o.reportDir, "run.log")}`);
  }
  for (const [format, file] of Object.entries(REPORTS))
    if (!o.formats.includes(format)) rmSync(join(o.reportDir, file), { force: true });
  if (engine.interrupted) {
    fail(`interrupted; partial reports in ${o.reportDir}`);
    return 130;
  }
  if (!summary) {
    // The engine's first error line is usually the cause (a Prism that did not start, a missing file).
    const cause = /^(?:\w*Error): (.+)$/m.exec(log)?.[1];
    return fail(
      `the engine stopped without a report (vitest exit ${engine.code ?? "none"}${cause ? `: ${cause}` : ""}); see ${join(o.reportDir, "run.log")}`,
    );
  }

  const out: string[] = [""];
  out.push(summary.rows.length ? renderTable(summary.rows) : "No findings.", "");
  const facts = summary.facts.length ? ` (${summary.facts.join(", ")})` : "";
  const verdict = summary.findings
    ? `FAIL: ${summary.findings} finding(s) against ${base}${facts}`
    : `PASS: nothing found against ${base}${facts}`;
  out.push(verdict, "Reports:");
  for (const f of [...Object.values(REPORTS), ...OTHERS]) {
    try {
      readFileSync(join(o.reportDir, f), { flag: "r" });
      out.push(`  ${join(o.reportDir, f)}`);
    } catch {
      // not written
    }
  }
  process.stdout.write(`${out.join("\n")}\n`);
  if (summary.findings) return 1;
  // No findings, yet vitest failed: something broke that is not a finding; say so, do not pass.
  if (engine.code !== 0)
    return fail(
      `the engine failed (vitest exit ${engine.code ?? "none"}) without recording a finding; see ${join(o.reportDir, "run.log")}`,
    );
  return 0;
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
    return await run(parsed.options);
  } catch (err) {
    if (err instanceof SetupError) return fail(err.message);
    return fail(`unexpected error: ${(err as Error).message}`);
  }
}

process.exitCode = await main(process.argv.slice(2));
