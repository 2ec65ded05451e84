// Shared helpers for the benchmarks: statistics, tables, child processes that never outlive the run.
import { fork, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { once } from "node:events";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { killGroup, track } from "../contract-tests/harness/processes.ts";

// run.mjs bundles with import.meta.url kept as each source file's own URL, so this holds bundled too.
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const BENCH = join(ROOT, "bench");
const GUARD = join(ROOT, "contract-tests", "engine", "prism-guard.mjs");
export const RESULTS = join(BENCH, "results");
/** `--import` this in a child to run the project's TypeScript unbundled (see ts-loader.mjs). */
export const TS_LOADER = ["--import", join(BENCH, "ts-loader.mjs")];

/** Quantile q (0..1) of numbers, linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error("quantile of an empty sample");
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = s[lo]!;
  return a + (s[hi]! - a) * (pos - lo);
}
export const median = (v: readonly number[]) => quantile(v, 0.5);
export interface Spread {
  median: number;
  p25: number;
  p75: number;
  n: number;
}
export const spread = (v: readonly number[]): Spread => ({
  median: median(v),
  p25: quantile(v, 0.25),
  p75: quantile(v, 0.75),
  n: v.length,
});

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A figure measured a few times: the middle run's value and the range. */
export interface Middle {
  mid: number;
  lo: number;
  hi: number;
}
export const middle = (v: readonly number[]): Middle => ({ mid: median(v), lo: Math.min(...v), hi: Math.max(...v) });
/** "12.3 (11.9–13.0)": the middle and the range; just the value when measured once. */
export const showMiddle = (m: Middle, digits = 1) =>
  m.lo === m.hi ? `${round(m.mid, digits)}` : `${round(m.mid, digits)} (${round(m.lo, digits)}–${round(m.hi, digits)})`;

/** Samples the 1-minute load average every `everyMs` until the returned function is called: its middle and range. */
export function sampleLoad(everyMs = 5_000): () => Middle {
  const seen = [loadavg()[0]!];
  const timer = setInterval(() => seen.push(loadavg()[0]!), everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    seen.push(loadavg()[0]!);
    const m = middle(seen);
    return { mid: round(m.mid, 2), lo: round(m.lo, 2), hi: round(m.hi, 2) };
  };
}

/** "1.2s", "480ms", "3m" as ms. */
const durationMs = (v: string) =>
  v.endsWith("ms") ? parseFloat(v) : v.endsWith("m") ? parseFloat(v) * 60_000 : parseFloat(v) * 1000;

/** vitest's own summary: "Duration 4.72s (transform 148ms, setup 0ms, import 1.30s, tests 1.12s, …)", in ms. */
export function vitestPhases(log: string): Record<string, number> {
  const line = log.match(/Duration\s+([\d.]+m?s)\s*\(([^)]*)\)/);
  if (!line) return {};
  const phases: Record<string, number> = { total: durationMs(line[1]!) };
  for (const [, k, v] of line[2]!.matchAll(/(\w+) ([\d.]+m?s)/g)) phases[k!] = durationMs(v!);
  return phases;
}

/** Per vitest project from its file lines (" ✓ |unit| test/unit/retry.test.ts (129 tests) 1173ms"). */
export function vitestProjects(log: string): { project: string; files: number; tests: number; fileMs: number }[] {
  const byProject = new Map<string, { project: string; files: number; tests: number; fileMs: number }>();
  for (const [, project, tests, took] of log.matchAll(
    /^ *[✓×↓❯] \|([^|]+)\| +(?:TS +)?\S+ \((\d+) tests?[^)]*\)(?: ([\d.]+m?s))?/gm,
  )) {
    const p = byProject.get(project!) ?? { project: project!, files: 0, tests: 0, fileMs: 0 };
    p.files++;
    p.tests += Number(tests);
    p.fileMs += took ? durationMs(took) : 0;
    byProject.set(project!, p);
  }
  return [...byProject.values()].sort((a, b) => b.fileMs - a.fileMs);
}

/** Prints rows (arrays of cells) as an aligned text table with a header. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const width = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join("  ");
  console.log(`\n${title}\n${line(header)}\n${width.map((w) => "-".repeat(w)).join("  ")}`);
  for (const r of all.slice(1)) console.log(line(r));
}

// Every child we start is tracked (contract-tests/harness/processes.ts) and killed, with its
// process group, on exit, Ctrl-C or a crash.
export interface Child extends ChildProcess {
  log: string;
}

export interface ChildOptions {
  /** fork() `cmd` (a module) with an IPC channel, instead of spawning it under the guard. */
  ipc?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Node flags for a forked child. */
  execArgv?: string[];
  cwd?: string;
  /**
   * Spawn `cmd` straight (still leading its own process group), not under the guard: for a
   * command whose own start is timed. Killed with the bench, but not if the bench is SIGKILLed.
   */
  unguarded?: boolean;
}

/** Spawns (or forks, with `ipc`) a tracked child, capturing its output for error messages. */
export function startChild(
  cmd: string,
  args: string[],
  { ipc = false, env, execArgv, cwd = ROOT, unguarded = false }: ChildOptions = {},
): Child {
  const detached: SpawnOptions = { cwd, env, stdio: ["pipe", "pipe", "pipe"], detached: true };
  const child = (
    ipc
      ? fork(cmd, args, { cwd, env, execArgv, stdio: ["ignore", "pipe", "pipe", "ipc"] })
      : unguarded
        ? spawn(cmd, args, detached)
        : // Through the harness's guard: it leads its own process group and kills it when our pipe
          // closes, so even a bench killed with SIGKILL leaves no npm, vitest or Prism behind.
          spawn(process.execPath, [GUARD, cmd, ...args], detached)
  ) as Child;
  track(child);
  child.log = "";
  const keep = (d: Buffer) => {
    child.log = (child.log + d).slice(-8000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return child;
}

/** Stops a child (its whole process group when detached) and waits for it to be gone. */
export async function stopChild(child: Child): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, "exit");
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3000);
  await gone;
  clearTimeout(timer);
}

/**
 * Resolves with what `listen` reports (it gets a callback and returns its own unsubscribe);
 * rejects with the child's log if it exits first or takes longer than `timeoutMs`.
 */
function readyWhen<T>(
  child: Child,
  listen: (ready: (value: T) => void) => () => void,
  { timeoutMs = 30_000, what = "child process" } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      unlisten();
      child.off("exit", onExit);
      settle();
    };
    const unlisten = listen((v) => finish(() => resolve(v)));
    const onExit = (code: number | null, signal: string | null) =>
      finish(() =>
        reject(
          new Error(`${what} exited (code ${code}, signal ${signal}) before it was ready. Its log:\n${child.log}`),
        ),
      );
    const timer = setTimeout(
      () => finish(() => reject(new Error(`${what} not ready after ${timeoutMs} ms. Its log:\n${child.log}`))),
      timeoutMs,
    );
    child.on("exit", onExit);
  });
}

/** Resolves with the first match of `pattern` in the child's output (stdout or stderr). */
export function waitForOutput(child: Child, pattern: RegExp, opts?: { timeoutMs?: number; what?: string }) {
  return readyWhen<RegExpMatchArray>(
    child,
    (ready) => {
      const check = () => {
        const m = child.log.match(pattern);
        if (m) ready(m);
      };
      child.stdout!.on("data", check);
      child.stderr!.on("data", check);
      queueMicrotask(check);
      return () => {
        child.stdout!.off("data", check);
        child.stderr!.off("data", check);
      };
    },
    opts,
  );
}

/** Resolves with the first IPC message of a forked child. */
export function waitForMessage<T>(child: Child, opts?: { timeoutMs?: number; what?: string }) {
  return readyWhen<T>(
    child,
    (ready) => {
      const on = (m: unknown) => ready(m as T);
      child.once("message", on);
      return () => child.off("message", on);
    },
    opts,
  );
}

/** Runs a command to completion; returns wall time in ms. Rejects with its output when it fails. */
export async function timeCommand(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; output?: (log: string) => void } = {},
): Promise<number> {
  const t0 = performance.now();
  const child = startChild(cmd, args, { env: opts.env, cwd: opts.cwd });
  const [code, signal] = await once(child, "exit");
  const ms = performance.now() - t0;
  killGroup(child); // sweep anything the command left behind in its group
  if (code !== 0) {
    const tail = child.log.trimEnd().split("\n").slice(-30).join("\n");
    throw new Error(
      `${cmd} ${args.join(" ")} failed (code ${code}, signal ${signal}); the end of its output:\n${tail}`,
    );
  }
  opts.output?.(child.log);
  return ms;
}
