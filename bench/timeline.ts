// One run of the engine with its events timed, and its wall time split into what it did: loading
// the spec, the probe and set-up, each scenario (generating before its first request, waiting with
// requests in flight, working with none in flight), the clean-up. Used in-process by the
// conformance section and in the profiled child (profile-run.ts).
import { runConformance, type ConformanceOptions, type ConformanceReport } from "../contract-tests/engine/index.ts";

interface Stamp {
  at: number; // performance.now() when the event came
  type: "run-started" | "scenario-started" | "scenario-finished" | "request";
  scenario?: string;
  ms?: number; // a request's own time (sent → answered)
}
export interface TimedRun {
  report: ConformanceReport;
  calledAt: number;
  returnedAt: number;
  stamps: Stamp[];
}

/** runConformance with every event's arrival time kept (the request events' `ms` tell when each was sent). */
export async function timedRun(options: ConformanceOptions): Promise<TimedRun> {
  const stamps: Stamp[] = [];
  const calledAt = performance.now();
  const report = await runConformance({
    ...options,
    onEvent: (e) => {
      const at = performance.now();
      if (e.type === "request") stamps.push({ at, type: e.type, scenario: e.scenario, ms: e.ms });
      else if (e.type === "scenario-started" || e.type === "scenario-finished")
        stamps.push({ at, type: e.type, scenario: e.scenario.name });
      else if (e.type === "run-started") stamps.push({ at, type: e.type });
    },
  });
  return { report, calledAt, returnedAt: performance.now(), stamps };
}

/** Where one run's wall time went, ms. The parts add up to `wall`. */
export interface Split {
  wall: number;
  /** Call → run-started: options, the spec (loaded once a process), transport. */
  specAndOpen: number;
  /** run-started → first scenario: the probe, the sandbox user. */
  probeAndSetUp: number;
  /** In scenarios, before each one's first request: fast-check sampling and the arbitraries. */
  generating: number;
  /** In scenarios, at least one request in flight (after the first). */
  inFlight: number;
  /** In scenarios, no request in flight (after the first): checks, shrinking, the next batch. */
  noneInFlight: number;
  /** Between scenarios, and from the last one to the return: clean-up, reports. */
  betweenAndCleanUp: number;
  /** Sum of the requests' own times. */
  requestMsSum: number;
  /** Time with any request in flight, in scenarios or out (requestMsSum over it: the mean in flight). */
  anyInFlight: number;
}

/** Length of the union of intervals, each clipped to [from, to]. */
function unionLength(intervals: [number, number][], from: number, to: number): number {
  const sorted = intervals
    .map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of sorted) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/** Several runs' splits added part by part. */
export const addSplits = (splits: Split[]): Split =>
  Object.fromEntries(
    (Object.keys(splits[0]!) as (keyof Split)[]).map((k) => [k, splits.reduce((sum, s) => sum + s[k], 0)]),
  ) as unknown as Split;

export function splitRun(run: TimedRun): Split {
  const { stamps } = run;
  const runStarted = stamps.find((s) => s.type === "run-started")?.at ?? run.calledAt;
  const requests = stamps.filter((s) => s.type === "request");
  const intervals = requests.map((r): [number, number] => [r.at - r.ms!, r.at]);
  const firstScenario = stamps.find((s) => s.type === "scenario-started")?.at ?? run.returnedAt;
  let generating = 0;
  let inFlight = 0;
  let inScenarios = 0;
  for (const start of stamps.filter((s) => s.type === "scenario-started")) {
    const end = stamps.find((s) => s.type === "scenario-finished" && s.scenario === start.scenario && s.at >= start.at);
    const to = end?.at ?? run.returnedAt;
    const firstSent = Math.min(
      to,
      ...intervals.filter(([a], i) => requests[i]!.scenario === start.scenario && a >= start.at).map(([a]) => a),
    );
    generating += firstSent - start.at;
    inFlight += unionLength(intervals, firstSent, to);
    inScenarios += to - start.at;
  }
  const wall = run.returnedAt - run.calledAt;
  const specAndOpen = runStarted - run.calledAt;
  const probeAndSetUp = firstScenario - runStarted;
  const requestMsSum = requests.reduce((sum, r) => sum + r.ms!, 0);
  return {
    wall,
    specAndOpen,
    probeAndSetUp,
    generating,
    inFlight,
    noneInFlight: inScenarios - generating - inFlight,
    betweenAndCleanUp: wall - specAndOpen - probeAndSetUp - inScenarios,
    requestMsSum,
    anyInFlight: unionLength(intervals, run.calledAt, run.returnedAt),
  };
}
