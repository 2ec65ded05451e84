// Pipeline time: each stage of `npm run contract` as the project runs it, beside the bare tools
// doing the same work, and the whole command beside the sum of the bare stages.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { startPrism } from "../contract-tests/engine/prism.ts";
import {
  BENCH,
  ROOT,
  median,
  printTable,
  round,
  startChild,
  stopChild,
  timeCommand,
  vitestPhases,
  waitForOutput,
} from "./lib.ts";

const BIN = join(ROOT, "node_modules", ".bin");
const SPEC = "openapi/users.yaml";

export interface Stage {
  stage: string;
  project: string; // what the project runs
  bare: string; // the bare tool doing the same work
  projectMs: number[];
  bareMs: number[];
}
export interface PipelineResult {
  runs: number;
  guardMs: number; // start-up of the process guard, taken off every command's time
  requests: number; // HTTP requests of the contract suite to its shared Prism, replayed for the bare "tests" stage
  otherRequests: number;
  files: FileTime[];
  vitest: Record<string, number>; // vitest's own duration summary of the timed runs (medians, ms) // the contract suite's test files by duration (vitest's report of the recording run) // to servers single tests start themselves (not replayed; their cost is in the project time)
  stages: Stage[];
  contractMs: number[]; // `npm run contract`, whole
  bareSumMs: number; // sum of the bare stages' medians
  ratio: number; // median `npm run contract` / bareSumMs
}

// Children get a mock-mode environment: no live target, no real key, no inherited preloads.
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", ...extra };
  for (const k of ["CONTRACT_BASE_URL", "ARIZE_API_KEY", "ARIZE_BASE_URL", "CONTRACT_COVERAGE"]) delete e[k];
  if (!extra.NODE_OPTIONS) delete e.NODE_OPTIONS;
  return e;
}
// Every command runs under the harness's guard (see lib.ts); its own start-up is measured once
// (the guard running `true`) and taken off every timing, so both sides are the tools' time alone.
let guardMs = 0;
const run = async (cmd: string, args: string[], extra?: NodeJS.ProcessEnv, output?: (log: string) => void) =>
  (await timeCommand(cmd, args, { env: env(extra), output })) - guardMs;

const npm = (script: string) => run("npm", ["run", script]);

interface Recorded {
  method: string;
  url: string;
  headers: [string, string][];
  body: string | null;
  status: number;
}

/** One untimed run of the contract suite with every fetch recorded (see record-fetch.mjs). */
export interface FileTime {
  file: string;
  tests: number;
  ms: number;
}

/**
 * One untimed run of the contract suite with every fetch recorded (see record-fetch.mjs) and
 * vitest's JSON report, for where the suite's time goes file by file.
 */
async function recordSuite(): Promise<{ replayed: Recorded[]; others: number; files: FileTime[] }> {
  const dir = mkdtempSync(join(tmpdir(), "arize-bench-"));
  try {
    const file = join(dir, "requests.jsonl");
    const report = join(dir, "report.json");
    await run(join(BIN, "vitest"), ["run", "--project", "contract", "--reporter=json", `--outputFile=${report}`], {
      BENCH_RECORD: file,
      NODE_OPTIONS: `--import ${join(BENCH, "record-fetch.mjs")}`,
    });
    const all = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Recorded);
    // The suite's shared Prism is the origin most requests go to; servers single tests start are not replayed.
    const count = new Map<string, number>();
    for (const r of all) count.set(new URL(r.url).origin, (count.get(new URL(r.url).origin) ?? 0) + 1);
    const main = [...count].sort((a, b) => b[1] - a[1])[0]?.[0];
    const replayed = all.filter((r) => new URL(r.url).origin === main);
    if (replayed.length === 0) throw new Error("the contract suite made no HTTP request to record");
    const { testResults } = JSON.parse(readFileSync(report, "utf8")) as {
      testResults: { name: string; startTime: number; endTime: number; assertionResults: unknown[] }[];
    };
    const files = testResults
      .map((t) => ({
        file: relative(ROOT, t.name),
        tests: t.assertionResults.length,
        ms: Math.round(t.endTime - t.startTime),
      }))
      .sort((a, b) => b.ms - a.ms);
    return { replayed, others: all.length - replayed.length, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prism started by hand, to its "listening" line. */
async function barePrism() {
  const t0 = performance.now();
  const child = startChild(join(BIN, "prism"), ["mock", "-h", "127.0.0.1", "-p", "0", SPEC], { env: env() });
  try {
    const [, url] = await waitForOutput(child, /Prism is listening on (http:\/\/\S+)/, { what: "prism mock" });
    return { ms: performance.now() - t0 - guardMs, url: url!, stop: () => stopChild(child) };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** The recorded requests, in order, with plain fetch; every status must match the recorded one. */
async function replay(requests: Recorded[], base: string): Promise<number> {
  const t0 = performance.now();
  for (const r of requests) {
    const u = new URL(r.url);
    const res = await fetch(base + u.pathname + u.search, { method: r.method, headers: r.headers, body: r.body });
    await res.arrayBuffer();
    if (res.status !== r.status)
      throw new Error(`replay of ${r.method} ${u.pathname}${u.search} got ${res.status}, the suite got ${r.status}`);
  }
  return performance.now() - t0;
}

export async function measurePipeline(runs: number): Promise<PipelineResult> {
  guardMs = 0;
  const guard: number[] = [];
  for (let i = 0; i < 5; i++) guard.push(await run("true", []));
  guardMs = median(guard);
  const { replayed: requests, others, files } = await recordSuite();
  const stages: Stage[] = [
    { stage: "spec lint", project: "npm run lint:spec", bare: `redocly lint ${SPEC}`, projectMs: [], bareMs: [] },
    {
      stage: "generated check",
      project: "npm run check:generated",
      bare: "openapi-typescript --check",
      projectMs: [],
      bareMs: [],
    },
    {
      stage: "Prism start",
      project: "harness startPrism() (ready + polled)",
      bare: "prism mock, to its listening line",
      projectMs: [],
      bareMs: [],
    },
    {
      stage: "contract tests",
      project: "vitest run --project contract, minus its Prism start",
      bare: `the suite's ${requests.length} requests, plain fetch`,
      projectMs: [],
      bareMs: [],
    },
  ];
  const [lint, gen, prism, tests] = stages as [Stage, Stage, Stage, Stage];
  const contractMs: number[] = [];
  const vitestMs: number[] = [];
  const phases: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    // Project and bare alternate within each run, so machine load drifts over both alike.
    lint.projectMs.push(await npm("lint:spec"));
    lint.bareMs.push(await run(join(BIN, "redocly"), ["lint", SPEC]));
    gen.projectMs.push(await npm("check:generated"));
    gen.bareMs.push(await run(join(BIN, "openapi-typescript"), ["--check"]));
    const t0 = performance.now();
    const harness = await startPrism({ mode: "mock" });
    prism.projectMs.push(performance.now() - t0);
    await harness.stop();
    const bare = await barePrism();
    prism.bareMs.push(bare.ms);
    try {
      tests.bareMs.push(await replay(requests, bare.url));
    } finally {
      await bare.stop();
    }
    vitestMs.push(
      await run(join(BIN, "vitest"), ["run", "--project", "contract"], {}, (log) => phases.push(vitestPhases(log))),
    );
    contractMs.push(await npm("contract"));
  }
  const prismStart = median(prism.projectMs);
  tests.projectMs = vitestMs.map((ms) => ms - prismStart);
  const bareSumMs = stages.reduce((sum, s) => sum + median(s.bareMs), 0);
  const keys = [...new Set(phases.flatMap((p) => Object.keys(p)))];
  const vitest = Object.fromEntries(keys.map((k) => [k, Math.round(median(phases.map((p) => p[k] ?? 0)))]));
  return {
    runs,
    guardMs,
    vitest,
    requests: requests.length,
    otherRequests: others,
    files,
    stages,
    contractMs,
    bareSumMs,
    ratio: median(contractMs) / bareSumMs,
  };
}

export function printPipeline(r: PipelineResult): void {
  const ms = (v: number) => Math.round(v);
  if (r.otherRequests)
    console.log(`\n(${r.otherRequests} request(s) of the suite went to servers single tests start; not replayed)`);
  printTable(
    `Pipeline time: median of ${r.runs} run(s), ms`,
    ["stage", "project", "bare", "× bare", "project runs", "bare tool"],
    [
      ...r.stages.map((s) => {
        const p = median(s.projectMs);
        const b = median(s.bareMs);
        return [s.stage, ms(p), ms(b), round(p / b, 2), s.project, s.bare];
      }),
      [
        "npm run contract, whole",
        ms(median(r.contractMs)),
        ms(r.bareSumMs),
        round(r.ratio, 2),
        "npm run contract",
        "sum of the bare stages",
      ],
    ],
  );
}

export function printSuiteFiles(r: PipelineResult): void {
  const total = r.files.reduce((sum, f) => sum + f.ms, 0);
  printTable(
    `Where the contract tests' time goes: test files by duration, ms (one run; files total ${total});\n` +
      `vitest's own summary (median): ${Object.entries(r.vitest)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    ["test file", "tests", "ms"],
    r.files.map((f) => [f.file, f.tests, f.ms]),
  );
}
