// `npm test` as a newcomer runs it: a fresh clone of HEAD, `npm ci`, then `npm test` (lint, the
// generated check, every vitest project with the full mutation proof), timed whole; vitest's own
// duration and each project's files (summed, from its output lines), with the load meanwhile.
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  ROOT,
  printTable,
  round,
  sampleLoad,
  showMiddle,
  startChild,
  stopChild,
  timeCommand,
  vitestPhases,
  vitestProjects,
  type Middle,
} from "./lib.ts";

/** npm test's whole run may not take longer than this (it is stopped, the section fails). */
const LIMIT_MS = 60 * 60_000;

/** A vitest project: its files, tests, and the files' own durations summed (two files run at once on 2 CPUs). */
export type ProjectTime = ReturnType<typeof vitestProjects>[number];
export interface SuiteResult {
  commit: string;
  cloneMs: number;
  ciMs: number;
  /** `npm test`, spawn → exit. */
  testMs: number;
  /** vitest's "Duration" line, ms, and its parts (transform, import, tests, typecheck…). */
  vitest: Record<string, number>;
  projects: ProjectTime[];
  /**
   * The 1-minute load average before the clone: others' work (npm ci, then npm test itself, keep
   * both CPUs busy, so later figures hold our own load too).
   */
  loadBefore: number;
  /** Sampled during npm test, its own load included. */
  load: Middle;
  exitCode: number | null;
  /** The end of npm test's output when it failed. */
  failure?: string;
}

// The child environment of a newcomer's shell: none of our settings.
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const k of Object.keys(env))
    if (/^(CONTRACT_|ARIZE_|VITEST|MUTATION_|BENCH_)/.test(k) || k === "NODE_OPTIONS") delete env[k];
  return env;
}

/** Runs `npm test` in `cwd` with its whole output kept. */
async function npmTest(cwd: string): Promise<{ ms: number; code: number | null; output: string }> {
  const t0 = performance.now();
  const child = startChild("npm", ["test"], { cwd, env: cleanEnv() });
  let output = "";
  const keep = (d: Buffer) => {
    output += d;
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const timer = setTimeout(() => void stopChild(child), LIMIT_MS);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { ms: performance.now() - t0, code, output };
}

export async function measureSuite(): Promise<SuiteResult> {
  const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  if (execFileSync("git", ["status", "--porcelain"], { cwd: ROOT, encoding: "utf8" }).trim())
    console.log(`suite: the work tree has uncommitted changes; the clone is of HEAD (${commit.slice(0, 7)}) only`);
  const loadBefore = round(loadavg()[0]!, 2);
  const dir = mkdtempSync(join(tmpdir(), "arize-bench-suite-"));
  const repo = join(dir, "repo");
  try {
    const cloneMs = await timeCommand("git", ["clone", "--quiet", ROOT, repo]);
    await timeCommand("git", ["checkout", "--quiet", "--detach", commit], { cwd: repo });
    const ciMs = await timeCommand("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd: repo,
      env: cleanEnv(),
    });
    const stopSampling = sampleLoad();
    const run = await npmTest(repo);
    const load = stopSampling();
    return {
      commit,
      cloneMs,
      ciMs,
      testMs: run.ms,
      vitest: vitestPhases(run.output),
      projects: vitestProjects(run.output),
      loadBefore,
      load,
      exitCode: run.code,
      ...(run.code !== 0 && { failure: run.output.trimEnd().split("\n").slice(-40).join("\n") }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const min = (v: number) => `${Math.round(v / 1000)} s (${round(v / 60_000, 2)} min)`;

export function printSuite(r: SuiteResult): void {
  const vitestMs = r.vitest.total ?? 0;
  printTable(
    `npm test on a fresh clone of ${r.commit.slice(0, 7)} (git clone ${Math.round(r.cloneMs)} ms, npm ci ${Math.round(r.ciMs / 1000)} s, not counted); ` +
      `load average before the clone ${r.loadBefore}, during npm test ${showMiddle(r.load, 2)} (its own included)`,
    ["part", "time"],
    [
      ["npm test, spawn → exit", min(r.testMs)],
      ["  lint, check:generated and npm's own (the rest)", min(r.testMs - vitestMs)],
      ["  vitest run (its Duration line)", min(vitestMs)],
      ...Object.entries(r.vitest)
        .filter(([k]) => k !== "total")
        .map(([k, v]) => [`    ${k} (summed over workers)`, min(v)]),
    ],
  );
  printTable(
    "vitest projects: their files' own durations summed (two files run at once on 2 CPUs)",
    ["project", "files", "tests", "files' time"],
    r.projects.map((p) => [p.project, p.files, p.tests, min(p.fileMs)]),
  );
  if (r.exitCode !== 0) console.log(`npm test FAILED (exit ${r.exitCode}); the end of its output:\n${r.failure}`);
}
