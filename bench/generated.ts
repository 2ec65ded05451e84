// Generated contract testing, side by side: our engine (the library, runConformance, as the
// mutation proof runs it) and Schemathesis, on the same spec and the same reference server (in a
// process of its own, fresh for each tool's run) and each of its mutants. Schemathesis is the
// anchor, never a dependency: found through SCHEMATHESIS_BIN, `st` on PATH or a throw-away venv in
// the temp dir; without it the section is skipped with the reason.
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runConformance } from "../contract-tests/engine/conformance.ts";
import { MUTATIONS, MUTATION_NAMES, type MutationName } from "../contract-tests/reference-server/mutations.ts";
import { ROOT, median, printTable, round, startChild, stopChild, timeCommand } from "./lib.ts";
import { benchKey, startReferenceChild } from "./reference.ts";

/** The version the throw-away venv installs (and the cache key of that venv). */
const ST_VERSION = "4.25.0";
const SPEC = join(ROOT, "openapi", "users.yaml");

export interface GeneratedOptions {
  quick: boolean;
  seed: number; // Schemathesis --seed, runConformance seed
  maxExamples: number; // Schemathesis --max-examples (per operation and phase)
  budget: string; // runConformance budget (cases per property)
  timeoutMs: number; // per tool run
}
export const generatedOptions = (quick: boolean): GeneratedOptions =>
  quick
    ? { quick, seed: 42, maxExamples: 5, budget: "20", timeoutMs: 180_000 }
    : { quick, seed: 42, maxExamples: 10, budget: "50", timeoutMs: 180_000 };

/** One tool's run on one variant. `firstMs`: ms from its start to the first finding that counts (see `caught`). */
export interface Side {
  caught: boolean;
  findings: number;
  firstMs: number | null;
  cases: number;
  seconds: number; // the tool's own running time (engine), cases/s is over this
  wallSeconds: number; // the whole child process
  casesPerS: number;
  error?: string;
}
export interface StSide extends Side {
  anyFailure: boolean; // any failure at all (also those the conforming server gets)
  signatures: string[]; // distinct failures: check | operation | failure type
  counted: string[]; // those the conforming server never got (what makes it `caught`)
}
export interface GeneratedRow {
  variant: string;
  fault: string;
  checks: string[]; // what the mutant declares our findings must name ([] = any finding)
  ours: Side;
  st: StSide;
}
export type GeneratedResult =
  | { skipped: string }
  | {
      schemathesis: { version: string; bin: string; how: string };
      options: GeneratedOptions;
      baseline: string[]; // Schemathesis's failures on the conforming server (seed and seed + 1)
      rows: GeneratedRow[];
      wallSeconds: number;
    };

// ---- finding Schemathesis -------------------------------------------------------------------

function stVersion(bin: string): string | { error: string } {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 30_000, env: stEnv() });
  if (r.error) return { error: (r.error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : r.error.message };
  const v = /version (\S+)/.exec(r.stdout)?.[1];
  return r.status === 0 && v
    ? v
    : { error: `\`${bin} --version\` answered ${JSON.stringify((r.stdout + r.stderr).trim().slice(0, 200))}` };
}

/** SCHEMATHESIS_BIN, else `st` on PATH, else a venv cached in the temp dir (pip install schemathesis==ST_VERSION). */
export async function findSchemathesis(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ bin: string; version: string; how: string } | { skipped: string }> {
  const explicit = env.SCHEMATHESIS_BIN;
  if (explicit) {
    if (!existsSync(explicit)) return { skipped: `SCHEMATHESIS_BIN=${explicit} does not exist` };
    const v = stVersion(explicit);
    return typeof v === "string"
      ? { bin: explicit, version: v, how: "SCHEMATHESIS_BIN" }
      : { skipped: `SCHEMATHESIS_BIN=${explicit}: ${v.error}` };
  }
  const onPath = stVersion("st");
  if (typeof onPath === "string") return { bin: "st", version: onPath, how: "st on PATH" };
  const venv = join(tmpdir(), `arize-bench-schemathesis-${ST_VERSION}`);
  const bin = join(venv, "bin", "st");
  const cached = existsSync(bin) ? stVersion(bin) : null;
  if (typeof cached === "string") return { bin, version: cached, how: `cached venv ${venv}` };
  console.log(`generated: no SCHEMATHESIS_BIN, no st on PATH: installing schemathesis==${ST_VERSION} into ${venv}`);
  rmSync(venv, { recursive: true, force: true });
  try {
    await timeCommand("python3", ["-m", "venv", venv]);
    await timeCommand(join(venv, "bin", "pip"), [
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--timeout",
      "30",
      "--retries",
      "1",
      `schemathesis==${ST_VERSION}`,
    ]);
  } catch (err) {
    rmSync(venv, { recursive: true, force: true }); // no half-built venv to trip the next run
    const why =
      (err as Error).message
        .split("\n")
        .filter((l) => /error/i.test(l))
        .at(-1)
        ?.trim() ?? (err as Error).message.split("\n")[0];
    return {
      skipped: `Schemathesis not found (SCHEMATHESIS_BIN unset, no st on PATH) and pip install schemathesis==${ST_VERSION} failed: ${why}`,
    };
  }
  const v = stVersion(bin);
  return typeof v === "string"
    ? { bin, version: v, how: `venv ${venv}, installed now` }
    : { skipped: `installed Schemathesis does not run: ${v.error}` };
}

// Only 127.0.0.1: no proxy may reroute it. Schemathesis 4.x has no telemetry or upload (checked in
// its source); its reports go to a temp dir we delete.
function stEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    NO_PROXY: "127.0.0.1",
    no_proxy: "127.0.0.1",
    SCHEMATHESIS_TELEMETRY: "false",
  };
  for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]) delete env[k];
  return env;
}

// ---- one run of each tool -------------------------------------------------------------------

const perS = (cases: number, seconds: number) => (seconds > 0 ? round(cases / seconds, 1) : 0);
const failed = (error: string): Side => ({
  caught: false,
  findings: 0,
  firstMs: null,
  cases: 0,
  seconds: 0,
  wallSeconds: 0,
  casesPerS: 0,
  error,
});
const redact = (text: string, key: string) => text.replaceAll(key, "$ARIZE_API_KEY");

interface StEvent {
  timestamp: number;
  running_time?: number;
  recorder?: {
    label: string;
    interactions?: Record<string, { timestamp: number }>;
    checks?: Record<string, { name: string; status: string; failure_info?: { failure?: { type?: string } } }[]>;
  };
}

/** `st run` with every check and phase, a fixed seed and bounded examples; read from its NDJSON event stream. */
async function runSchemathesis(
  bin: string,
  url: string,
  key: string,
  o: GeneratedOptions,
  conforming?: Set<string>,
): Promise<StSide> {
  const dir = mkdtempSync(join(tmpdir(), "arize-bench-st-"));
  const t0 = performance.now();
  // The key is a throw-away one for this bench's reference servers; it still never reaches our output.
  const args = [
    "run",
    SPEC,
    "--url",
    url,
    "--header",
    `Authorization: Bearer ${key}`,
    "--checks",
    "all",
    "--seed",
    String(o.seed),
  ];
  args.push(
    "--max-examples",
    String(o.maxExamples),
    "--workers",
    "1",
    "--request-timeout",
    "5",
    "--generation-database",
    "none",
  );
  args.push("--no-color", "--report", "ndjson", "--report-dir", dir);
  const child = startChild(bin, args, { env: stEnv() });
  const timer = setTimeout(() => void stopChild(child), o.timeoutMs);
  try {
    const [code] = (await once(child, "exit")) as [number | null];
    const wallSeconds = (performance.now() - t0) / 1000;
    const file = readdirSync(dir).find((f) => f.endsWith(".ndjson"));
    // Exit 0: nothing found, 1: failures found; anything else (or no event stream) is an error.
    if ((code !== 0 && code !== 1) || !file) {
      const why = code === null ? `killed after ${o.timeoutMs} ms` : `exit ${code}${file ? "" : ", no NDJSON report"}`;
      return {
        ...failed(`st run: ${why}: ${redact(child.log.trim().split("\n").slice(-3).join(" | "), key)}`),
        anyFailure: false,
        signatures: [],
        counted: [],
      };
    }
    let start = 0;
    let engine = 0;
    const cases = new Set<string>();
    const firsts = new Map<string, number>(); // signature → first time it failed
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      if (!line) continue;
      const [kind, e] = Object.entries(JSON.parse(line) as Record<string, StEvent>)[0]!;
      if (kind === "LoadingStarted") start = e.timestamp;
      else if (kind === "EngineFinished") engine = e.running_time ?? 0;
      else if (kind === "ScenarioFinished" && e.recorder?.checks) {
        const r = e.recorder;
        for (const id of Object.keys(r.interactions ?? {})) cases.add(id);
        for (const [id, checks] of Object.entries(r.checks!))
          for (const c of checks.filter((c) => c.status === "failure")) {
            const sig = `${c.name} | ${r.label} | ${c.failure_info?.failure?.type ?? "?"}`;
            const at = r.interactions?.[id]?.timestamp ?? e.timestamp;
            firsts.set(sig, Math.min(firsts.get(sig) ?? Infinity, at));
          }
      }
    }
    // On a mutant, a failure counts as the fault found when the conforming server did not get it too.
    const counting = [...firsts].filter(([sig]) => !conforming?.has(sig));
    const first = counting.length ? Math.min(...counting.map(([, at]) => at)) : null;
    const seconds = engine || wallSeconds;
    return {
      caught: counting.length > 0,
      anyFailure: firsts.size > 0,
      findings: firsts.size,
      signatures: [...firsts.keys()].sort(),
      counted: counting.map(([sig]) => sig).sort(),
      firstMs: first === null ? null : Math.round((first - start) * 1000),
      cases: cases.size,
      seconds: round(seconds, 2),
      wallSeconds: round(wallSeconds, 2),
      casesPerS: perS(cases.size, seconds),
    };
  } finally {
    clearTimeout(timer);
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true }); // its events carry the key in request headers
  }
}

/**
 * The library in this process (as the mutation proof runs it), over HTTP to the server's own
 * process, seed and budget fixed. t-first counts from the call, as Schemathesis's from its start;
 * the spec is loaded once a process (the first run pays for it; the command section shows a cold start).
 */
async function runOurs(url: string, key: string, o: GeneratedOptions, checks: string[]): Promise<Side> {
  const calledAt = Date.now();
  const report = await runConformance({
    baseUrl: url,
    apiKey: key,
    writes: true,
    seed: o.seed,
    budget: Number(o.budget),
    shrinkMs: 2_000,
  }).catch((err: Error) => err);
  const wallSeconds = round((Date.now() - calledAt) / 1000, 2);
  if (report instanceof Error) return { ...failed(report.message), wallSeconds };
  const counting = report.findings.filter((x) => checks.length === 0 || checks.includes(x.check));
  const toRunStart = Date.parse(report.startedAt) - calledAt;
  const first = counting.length ? toRunStart + Math.min(...counting.map((x) => x.atMs)) : null;
  return {
    caught: counting.length > 0,
    findings: report.findings.length,
    firstMs: first,
    cases: report.cases,
    seconds: round(report.seconds, 2),
    wallSeconds,
    casesPerS: perS(report.cases, report.seconds),
    ...(report.seed === o.seed ? {} : { error: `seed ${o.seed} not applied (the report says ${report.seed})` }),
  };
}

// ---- the section ----------------------------------------------------------------------------

/** A mutant's declared checks: `checks: string[]` in the new catalogue, none in the old (`detects`). */
function declaredChecks(name: MutationName): string[] {
  const m = MUTATIONS[name] as { checks?: readonly string[] };
  return Array.isArray(m.checks) ? [...m.checks] : [];
}

/** Every variant on a fresh reference server per tool, one tool at a time (2 cores: no competition). */
export async function measureGenerated(
  o: GeneratedOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<GeneratedResult> {
  const st = await findSchemathesis(env);
  if ("skipped" in st) return st;
  const t0 = performance.now();
  const key = benchKey();
  const mutants = o.quick ? MUTATION_NAMES.filter((_, i) => i % 5 === 0) : MUTATION_NAMES;
  // A fresh server per tool run, in its own process: neither tool shares a thread with it.
  const onServer = async <T>(mutation: MutationName | undefined, work: (url: string) => Promise<T>): Promise<T> => {
    const server = await startReferenceChild({ mutation, key });
    try {
      return await work(server.url);
    } finally {
      await server.stop();
    }
  };
  const rows: GeneratedRow[] = [];
  // What Schemathesis finds on the conforming server varies with server state and seed; a second
  // seed widens that baseline, so a mutant's "new" failure is less often noise.
  const extra = await onServer(undefined, (url) => runSchemathesis(st.bin, url, key, { ...o, seed: o.seed + 1 }));
  const baseline = new Set(extra.signatures);
  let conforming: Set<string> | undefined;
  for (const mutation of [undefined, ...mutants]) {
    const checks = mutation ? declaredChecks(mutation) : [];
    const stSide = await onServer(mutation, (url) => runSchemathesis(st.bin, url, key, o, conforming));
    if (!mutation) conforming = new Set([...baseline, ...stSide.signatures]);
    const ours = await onServer(mutation, (url) => runOurs(url, key, o, checks));
    const variant = mutation ?? "conforming";
    rows.push({ variant, fault: mutation ? MUTATIONS[mutation].fault : "(none)", checks, ours, st: stSide });
    const said = (s: Side) => s.error ?? (!mutation ? `${s.findings} finding(s)` : s.caught ? "caught" : "missed");
    console.log(`generated: ${variant} done (ours: ${said(ours)}; Schemathesis: ${said(stSide)})`);
  }
  return {
    schemathesis: { version: st.version, bin: st.bin, how: st.how },
    options: o,
    baseline: [...(conforming ?? [])].sort(),
    rows,
    wallSeconds: round((performance.now() - t0) / 1000, 1),
  };
}

export function printGenerated(r: GeneratedResult): void {
  if ("skipped" in r) {
    console.log(`\ngenerated: skipped: ${r.skipped}`);
    return;
  }
  const { options: o, rows } = r;
  const t = (ms: number | null) => (ms === null ? "-" : `${round(ms / 1000, 2)} s`);
  // On the conforming server every finding is a false positive (FP); on a mutant, see `caught`.
  const verdict = (s: Side, conforming: boolean) =>
    s.error ? s.error : conforming ? (s.findings ? `${s.findings} FP` : "clean") : s.caught ? "caught" : "missed";
  printTable(
    `Generated contract testing: ours (runConformance with writes, seed ${o.seed}, budget ${o.budget}) vs Schemathesis ${r.schemathesis.version} (--seed ${o.seed}, --max-examples ${o.maxExamples}, all checks and phases)\n` +
      "caught: ours, a finding of a check the mutant declares (any, if it declares none); Schemathesis, a failure the conforming server (seeds s, s+1) does not get\n" +
      "(\"any\": any failure at all). t-first: from the tool's start (ours: the call) to that finding. cases/s over the tool's own running time.",
    ["variant", "fault", "ours", "t-first", "cases/s", "Schemathesis", "any", "t-first", "cases/s"],
    rows.map(({ variant, fault, ours, st }, i) => [
      variant,
      fault.length > 40 ? `${fault.slice(0, 39)}…` : fault,
      verdict(ours, i === 0),
      t(ours.firstMs),
      ours.error ? "-" : ours.casesPerS,
      verdict(st, i === 0),
      st.error ? "-" : st.anyFailure ? "yes" : "no",
      t(st.firstMs),
      st.error ? "-" : st.casesPerS,
    ]),
  );
  const mutants = rows.slice(1);
  const kills = (f: (row: GeneratedRow) => boolean) => `${mutants.filter(f).length}/${mutants.length}`;
  const med = (v: number[]) => (v.length ? round(median(v), 1) : "-");
  const measured = (s: (row: GeneratedRow) => Side) => rows.map(s).filter((x) => !x.error);
  const wall = (s: (row: GeneratedRow) => Side) =>
    round(
      rows.reduce((sum, row) => sum + s(row).wallSeconds, 0),
      1,
    );
  printTable(
    "Totals",
    ["", "ours", "Schemathesis"],
    [
      [
        "mutants caught",
        kills((x) => x.ours.caught),
        `${kills((x) => x.st.caught)} (any failure: ${kills((x) => x.st.anyFailure)})`,
      ],
      [
        "false positives on the conforming server",
        rows[0]!.ours.error ? "-" : rows[0]!.ours.findings,
        rows[0]!.st.error ? "-" : rows[0]!.st.findings,
      ],
      [
        "median cases/s",
        med(measured((x) => x.ours).map((s) => s.casesPerS)),
        med(measured((x) => x.st).map((s) => s.casesPerS)),
      ],
      ["total wall time, s", wall((x) => x.ours), wall((x) => x.st)],
    ],
  );
  if (r.baseline.length)
    console.log(`Schemathesis on the conforming server (seeds ${o.seed}, ${o.seed + 1}): ${r.baseline.join("; ")}`);
  console.log(`Schemathesis ${r.schemathesis.version} via ${r.schemathesis.how}; section wall time ${r.wallSeconds} s`);
}
