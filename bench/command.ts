// The command's start-to-exit: the built arize-users-conformance (contract-tests/cli/dist/cli.mjs)
// run read-only with the default budget against the reference server in its own process, timed
// from spawn to exit; and from spawn to the first request the server receives (it timestamps it).
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, middle, printTable, round, showMiddle, startChild, stopChild, timeCommand, type Middle } from "./lib.ts";
import { startReferenceChild, type ReferenceChild } from "./reference.ts";

const CLI = join(ROOT, "contract-tests", "cli", "dist", "cli.mjs");
/** A run that takes longer than this is stopped and the section fails. */
const LIMIT_MS = 300_000;

interface CommandRun {
  /** Spawn → exit, ms. */
  totalMs: number;
  /** Spawn → the server's first request (the preflight's probe), ms. */
  firstRequestMs: number;
  /** Spawn → its second (the run's own first, after the preflight), ms. */
  secondRequestMs: number | null;
  code: number;
  /** Requests the server received, and what findings.json says the run sent and took. */
  serverRequests: number;
  reportRequests: number | null;
  reportSeconds: number | null;
  load: number;
}
export interface CommandResult {
  buildMs: number;
  /** Whether this cli.mjs runs the engine in-process or spawns vitest (read from the bundle). */
  spawnsVitest: boolean;
  runs: CommandRun[];
  total: Middle;
  firstRequest: Middle;
  secondRequest: Middle;
}

/** Epoch ms with sub-ms resolution, comparable with the server child's timestamps. */
const now = () => performance.timeOrigin + performance.now();

/** The command's environment: the key, and nothing of ours that would redirect it. */
function commandEnv(key: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ARIZE_API_KEY: key, NO_COLOR: "1" };
  for (const k of Object.keys(env)) if (/^(CONTRACT_|VITEST)/.test(k) || k === "NODE_OPTIONS") delete env[k];
  return env;
}

async function runCommand(server: ReferenceChild): Promise<CommandRun> {
  const reports = mkdtempSync(join(tmpdir(), "arize-bench-cli-"));
  try {
    await server.stats(); // count afresh
    const load = loadavg()[0]!;
    const t0 = now();
    const child = startChild(process.execPath, [CLI, "--base-url", server.url, "--report-dir", reports], {
      env: commandEnv(server.key),
      unguarded: true,
    });
    const timer = setTimeout(() => void stopChild(child), LIMIT_MS);
    const [code] = (await once(child, "exit")) as [number | null];
    const totalMs = now() - t0;
    clearTimeout(timer);
    const stats = await server.stats();
    // 0: nothing found, 1: findings; anything else means it could not run.
    if ((code !== 0 && code !== 1) || stats.firstAt === null)
      throw new Error(`the command exited ${code} after ${Math.round(totalMs)} ms; its output:\n${child.log}`);
    const report = readReport(reports);
    return {
      totalMs,
      firstRequestMs: stats.firstAt - t0,
      secondRequestMs: stats.secondAt === null ? null : stats.secondAt - t0,
      code,
      serverRequests: stats.requests,
      reportRequests: report?.requests ?? null,
      reportSeconds: report?.seconds ?? null,
      load,
    };
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
}

function readReport(dir: string): { requests: number; seconds: number } | undefined {
  const file = join(dir, "findings.json");
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as { requests: number; seconds: number })
    : undefined;
}

export async function measureCommand(runs: number): Promise<CommandResult> {
  const buildMs = await timeCommand("npm", ["run", "build", "--silent", "-w", "arize-users-conformance"]);
  const spawnsVitest = /vitest\.mjs/.test(readFileSync(CLI, "utf8"));
  const server = await startReferenceChild();
  const measured: CommandRun[] = [];
  try {
    for (let i = 0; i < runs; i++) measured.push(await runCommand(server));
  } finally {
    await server.stop();
  }
  return {
    buildMs,
    spawnsVitest,
    runs: measured,
    total: middle(measured.map((r) => r.totalMs)),
    firstRequest: middle(measured.map((r) => r.firstRequestMs)),
    secondRequest: middle(measured.map((r) => r.secondRequestMs ?? Number.NaN)),
  };
}

export function printCommand(r: CommandResult): void {
  printTable(
    `The command, read-only, default budget, against the reference server (its own process): ` +
      `node contract-tests/cli/dist/cli.mjs (${r.spawnsVitest ? "spawns vitest" : "the engine in-process"}; ` +
      `built in ${Math.round(r.buildMs)} ms, not counted)`,
    [
      "run",
      "spawn → exit, ms",
      "→ first request, ms",
      "→ second, ms",
      "exit",
      "server requests",
      "report: requests, s",
      "load",
    ],
    r.runs.map((x, i) => [
      i + 1,
      Math.round(x.totalMs),
      Math.round(x.firstRequestMs),
      x.secondRequestMs === null ? "-" : Math.round(x.secondRequestMs),
      x.code,
      x.serverRequests,
      x.reportRequests === null ? "-" : `${x.reportRequests}, ${round(x.reportSeconds!, 2)}`,
      round(x.load, 2),
    ]),
  );
  console.log(
    `middle (range): spawn → exit ${showMiddle(r.total, 0)} ms; spawn → first request ${showMiddle(r.firstRequest, 0)} ms ` +
      `(the preflight's probe); → second ${showMiddle(r.secondRequest, 0)} ms (the run's own first)`,
  );
  const part = (f: (x: CommandRun) => number) => showMiddle(middle(r.runs.map(f)), 0);
  console.log(
    `where it goes, ms: start-up (Node, the bundle) to the probe ${part((x) => x.firstRequestMs)}; ` +
      `probe to the run's first request ${part((x) => (x.secondRequestMs ?? Number.NaN) - x.firstRequestMs)}; ` +
      `the run, reports and exit ${part((x) => x.totalMs - (x.secondRequestMs ?? Number.NaN))}`,
  );
}
