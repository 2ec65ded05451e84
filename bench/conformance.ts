// The engine's throughput against a local reference server over HTTP (the server in a process of
// its own), beside sequential keep-alive fetch against the same server in the same rounds; where a
// run's time goes (the timeline of its events, and a CPU profile of one run in a fresh process);
// and each scenario's requests per second.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { ScenarioRecord } from "../contract-tests/engine/index.ts";
import { BENCH, TS_LOADER, median, middle, printTable, round, showMiddle, timeCommand, type Middle } from "./lib.ts";
import { summariseProfile, type CpuProfile, type ProfileSummary } from "./profile.ts";
import { startReferenceChild, type ReferenceChild } from "./reference.ts";
import { addSplits, splitRun, timedRun, type Split, type TimedRun } from "./timeline.ts";

export interface ConformanceBenchOptions {
  rounds: number;
  /** How long the fetch loop runs each round. */
  fetchSeconds: number;
  /** runConformance calls per round, read-only and with writes each. */
  engineRuns: number;
}
export const conformanceOptions = (quick: boolean): ConformanceBenchOptions =>
  quick ? { rounds: 1, fetchSeconds: 2, engineRuns: 2 } : { rounds: 3, fetchSeconds: 5, engineRuns: 5 };

interface Rate {
  requests: number;
  seconds: number;
  perS: number;
}
interface FetchRate extends Rate {
  /** Requests before the timed loop (the list its ids come from). */
  untimed: number;
}
interface EngineRun extends Rate {
  /** runConformance calls added up. */
  runs: number;
  findings: number;
  split: Split;
  scenarios: ScenarioRecord[];
}
interface Round {
  fetch: FetchRate;
  readOnly: EngineRun;
  writes: EngineRun;
  /** What the server counted: must equal fetch's (timed and untimed) + both reports' requests. */
  serverRequests: number;
  load: number;
}
export interface ConformanceResult {
  options: ConformanceBenchOptions;
  rounds: Round[];
  fetch: Middle;
  readOnly: { perS: Middle; ratio: Middle };
  writes: { perS: Middle; ratio: Middle };
  scenarios: { name: string; phase: string; requests: number; seconds: number; perS: number }[];
  profile: { split: Split; requests: number; seconds: number; summary: ProfileSummary };
}

const LIST = "/v2/users?limit=10";

/** The ids the server lists (its every 40th request is a 429: asked again then). */
async function listedIds(url: string, headers: Record<string, string>): Promise<{ ids: string[]; asked: number }> {
  for (let asked = 1; ; asked++) {
    const res = await fetch(url + LIST, { headers });
    const body = (await res.json()) as { users?: { id: string }[] };
    if (res.status === 200 && body.users?.length) return { ids: body.users.map((u) => u.id), asked };
    if (res.status !== 429 || asked === 3)
      throw new Error(`GET ${LIST} of the reference server: ${res.status}, ${JSON.stringify(body).slice(0, 200)}`);
  }
}

/** Sequential fetch on one keep-alive pool: a list, then a user of it, and so on; every answer read. */
async function fetchRate(server: ReferenceChild, seconds: number): Promise<FetchRate> {
  const headers = { authorization: `Bearer ${server.key}` };
  const { ids, asked } = await listedIds(server.url, headers);
  let requests = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    const path = requests % 2 ? `/v2/users/${ids[(requests >> 1) % ids.length]}` : LIST;
    const res = await fetch(server.url + path, { headers });
    await res.json();
    // Every 40th request the reference server answers 429 (Retry-After: 0), for the engine as for fetch.
    if (res.status !== 200 && res.status !== 429) throw new Error(`fetch GET ${path}: ${res.status}`);
    requests++;
  }
  const took = (performance.now() - started) / 1000;
  return { requests, seconds: took, perS: requests / took, untimed: asked };
}

/**
 * `runs` runConformance calls in a row, default budget, in this process over HTTP (one is ~0.1–0.5 s,
 * too short to time alone on a shared machine); requests/s = their reports' requests / seconds, summed.
 */
async function engineRuns(server: ReferenceChild, writes: boolean, runs: number): Promise<EngineRun> {
  const done: TimedRun[] = [];
  for (let i = 0; i < runs; i++) done.push(await timedRun({ baseUrl: server.url, apiKey: server.key, writes }));
  const requests = done.reduce((n, r) => n + r.report.requests, 0);
  const seconds = done.reduce((n, r) => n + r.report.seconds, 0);
  return {
    runs,
    requests,
    seconds,
    perS: requests / seconds,
    findings: done.reduce((n, r) => n + r.report.findings.length, 0),
    split: addSplits(done.map(splitRun)),
    scenarios: sumScenarios(done.map((r) => r.report.scenarios)),
  };
}

/** Each scenario's requests and seconds over several runs. */
function sumScenarios(runs: ScenarioRecord[][]): ScenarioRecord[] {
  return runs[0]!.map((first) => {
    const same = runs.map((r) => r.find((s) => s.name === first.name)!);
    return {
      ...first,
      requests: same.reduce((n, s) => n + s.requests, 0),
      seconds: same.reduce((n, s) => n + s.seconds, 0),
    };
  });
}

/** A fresh server; fetch, read-only and writes in rotated order (drift in load falls on all three). */
async function measureRound(i: number, o: ConformanceBenchOptions): Promise<Round> {
  const server = await startReferenceChild();
  try {
    const steps = {
      fetch: () => fetchRate(server, o.fetchSeconds),
      readOnly: () => engineRuns(server, false, o.engineRuns),
      writes: () => engineRuns(server, true, o.engineRuns),
    };
    const order = (["fetch", "readOnly", "writes"] as const).map((_, k, all) => all[(k + i) % all.length]!);
    const got: Partial<Round> = { load: loadavg()[0]! };
    for (const step of order) Object.assign(got, { [step]: await steps[step]() });
    const { requests } = await server.stats();
    return { ...(got as Omit<Round, "serverRequests">), serverRequests: requests };
  } finally {
    await server.stop();
  }
}

/** One run with writes, CPU-profiled in a fresh process (as the command runs it: cold, spec loaded). */
async function profiledRun(): Promise<ConformanceResult["profile"]> {
  const server = await startReferenceChild();
  const dir = mkdtempSync(join(tmpdir(), "arize-bench-profile-"));
  try {
    const out = join(dir, "profile.json");
    await timeCommand(
      process.execPath,
      [...TS_LOADER, join(BENCH, "profile-run.ts"), JSON.stringify({ url: server.url, writes: true, out })],
      { env: { ...process.env, BENCH_REFERENCE_KEY: server.key } },
    );
    const { profile, run } = JSON.parse(readFileSync(out, "utf8")) as { profile: CpuProfile; run: TimedRun };
    return {
      split: splitRun(run),
      requests: run.report.requests,
      seconds: run.report.seconds,
      summary: summariseProfile(profile),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}

/** Each scenario's requests per second in the runs with writes (every scenario runs there): medians. */
function scenarioRates(rounds: Round[]): ConformanceResult["scenarios"] {
  const names = rounds[0]!.writes.scenarios.filter((s) => !s.skipped).map((s) => s.name);
  return names.map((name) => {
    const runs = rounds.map((r) => r.writes.scenarios.find((s) => s.name === name)!);
    return {
      name,
      phase: runs[0]!.phase,
      requests: median(runs.map((s) => s.requests)),
      seconds: median(runs.map((s) => s.seconds)),
      perS: median(runs.map((s) => (s.seconds > 0 ? s.requests / s.seconds : 0))),
    };
  });
}

export async function measureConformance(o: ConformanceBenchOptions): Promise<ConformanceResult> {
  // Warm-up, not counted: the spec loads once a process, and the JIT settles.
  const warm = await startReferenceChild();
  try {
    await engineRuns(warm, false, 1);
    await fetchRate(warm, 1);
  } finally {
    await warm.stop();
  }
  const rounds: Round[] = [];
  for (let i = 0; i < o.rounds; i++) {
    const r = await measureRound(i, o);
    const sent = r.fetch.untimed + r.fetch.requests + r.readOnly.requests + r.writes.requests;
    if (r.serverRequests !== sent)
      console.log(
        `note: round ${i + 1}: the server counted ${r.serverRequests} requests, the reports and fetch ${sent}`,
      );
    rounds.push(r);
  }
  const ratios = (k: "readOnly" | "writes") => middle(rounds.map((r) => r[k].perS / r.fetch.perS));
  return {
    options: o,
    rounds,
    fetch: middle(rounds.map((r) => r.fetch.perS)),
    readOnly: { perS: middle(rounds.map((r) => r.readOnly.perS)), ratio: ratios("readOnly") },
    writes: { perS: middle(rounds.map((r) => r.writes.perS)), ratio: ratios("writes") },
    scenarios: scenarioRates(rounds),
    profile: await profiledRun(),
  };
}

// ---- printing -------------------------------------------------------------------------------

const pct = (part: number, whole: number) => `${round((100 * part) / whole)} %`;

/** The round whose engine rate is the middle one (its runs' timelines are the ones shown). */
function middleRound(rounds: Round[], k: "readOnly" | "writes"): Round {
  const sorted = [...rounds].sort((a, b) => a[k].perS - b[k].perS);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

const SPLIT_ROWS: [keyof Split, string][] = [
  ["specAndOpen", "call → run-started: options, spec (loaded once a process), transport"],
  ["probeAndSetUp", "probe, sandbox user"],
  ["generating", "in scenarios, before each one's first request: sampling (fast-check)"],
  ["inFlight", "in scenarios, ≥ 1 request in flight: waiting for the server (and working meanwhile)"],
  ["noneInFlight", "in scenarios, none in flight: checks, shrinking, the next value"],
  ["betweenAndCleanUp", "between scenarios, clean-up, report"],
];

function printSplits(columns: [string, Split][]): void {
  printTable(
    "Where the runs' wall time goes (from their events: request events' ms give when each was sent), ms",
    ["part", ...columns.flatMap(([name]) => [name, "%"])],
    [
      ...SPLIT_ROWS.map(([k, label]) => [label, ...columns.flatMap(([, s]) => [Math.round(s[k]), pct(s[k], s.wall)])]),
      ["whole run (call → return)", ...columns.flatMap(([, s]) => [Math.round(s.wall), "100 %"])],
      [
        "requests' own ms summed; mean in flight while any is",
        ...columns.flatMap(([, s]) => [Math.round(s.requestMsSum), round(s.requestMsSum / (s.anyInFlight || 1), 2)]),
      ],
    ],
  );
}

function printProfile(p: ConformanceResult["profile"]): void {
  const { summary: s } = p;
  printTable(
    `CPU profile of one run with writes in a fresh process (${p.requests} requests in ${round(p.seconds, 2)} s; ` +
      `profiled ${Math.round(s.totalMs)} ms, call to return): self time by concern ` +
      "(a module's own, or else that of its nearest engine caller)",
    ["concern", "ms", "%"],
    s.byConcern.filter((c) => c.ms >= 1).map((c) => [c.name, Math.round(c.ms), pct(c.ms, s.totalMs)]),
  );
  printTable(
    "Self time by module (builtins count for their caller), top 15",
    ["module", "ms", "%"],
    s.byModule.slice(0, 15).map((m) => [m.name, Math.round(m.ms), pct(m.ms, s.totalMs)]),
  );
  printTable(
    "Top functions by self time",
    ["function", "module", "ms"],
    s.topFunctions.map((f) => [f.name, f.module, round(f.ms)]),
  );
}

export function printConformance(r: ConformanceResult): void {
  const n = r.rounds.length;
  const perRun = (k: "readOnly" | "writes") => middle(r.rounds.map((x) => x[k].requests));
  printTable(
    `Throughput against a local reference server (its own process, HTTP keep-alive): ${n} round(s), ` +
      `middle (range); each round a fresh server and ${r.options.engineRuns} runs of each kind; after a warm-up run`,
    ["contender", "requests/s", "× fetch", "requests", "s"],
    [
      [
        `sequential fetch, GET ${LIST} and /v2/users/{id} alternately, bodies read, ${r.options.fetchSeconds} s`,
        showMiddle(r.fetch),
        1,
        showMiddle(middle(r.rounds.map((x) => x.fetch.requests)), 0),
        r.options.fetchSeconds,
      ],
      ...(["readOnly", "writes"] as const).map((k) => [
        `runConformance ${k === "writes" ? "with writes" : "read-only"}, default budget (Σ report.requests / Σ report.seconds)`,
        showMiddle(r[k].perS),
        showMiddle(r[k].ratio, 3),
        showMiddle(perRun(k), 0),
        showMiddle(middle(r.rounds.map((x) => x[k].seconds)), 2),
      ]),
    ],
  );
  console.log(`load average at each round's start: ${r.rounds.map((x) => round(x.load, 2)).join(", ")}`);
  const runs = r.options.engineRuns;
  printSplits([
    [`read-only, ${runs} runs`, middleRound(r.rounds, "readOnly").readOnly.split],
    [`writes, ${runs} runs`, middleRound(r.rounds, "writes").writes.split],
    ["writes, 1 run, fresh process", r.profile.split],
  ]);
  printProfile(r.profile);
  printTable(
    `Requests per second by scenario (runs with writes: each round's ${r.options.engineRuns} summed, median of ${n} rounds)`,
    ["scenario", "phase", "requests", "s", "requests/s"],
    r.scenarios.map((s) => [s.name, s.phase, s.requests, round(s.seconds, 3), Math.round(s.perS)]),
  );
}
