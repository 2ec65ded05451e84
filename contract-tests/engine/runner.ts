// Runs a property the way a conformance run needs it: sample `runs` values from the seed and
// send them (a few at a time), collect every violation, group them into distinct problems, then
// replay each problem's first case through fast-check (its `path`) so that it shrinks to a
// minimal case. The same seed replays the same run. A request that got no answer is a finding of
// its own (server_answers) and the property goes on with its other values; once the run must stop
// (aborted, or the request cap reached), no new value starts and nothing more is shrunk.
import fc from "fast-check";
import { RunStopped } from "./channel.ts";
import type { ClauseId, Step } from "./clauses.ts";
import type { WireRequest } from "./transport.ts";

export type { WireRequest } from "./transport.ts";

/** One request and the server's own answer. */
export interface Exchange {
  request: WireRequest;
  status: number;
  headers: Record<string, string>;
  body: string;
  json: unknown;
}

/** A check that did not hold, as a property observed it. */
export interface Observation {
  check: string;
  operation: string;
  message: string;
  /** Instance location, array indexes collapsed (`body.users[].status`): part of the problem's identity. */
  where?: string | undefined;
  /** The exchange that shows it (its request becomes the curl). */
  exchange?: Exchange | undefined;
  /** The request that shows it, when there was no answer (no exchange). */
  request?: WireRequest | undefined;
  /** The clause of the promise it breaks (`limit_respected.default_limit`): part of the problem's identity. */
  clause?: ClauseId | undefined;
  /** From a sequence of operations: the steps that led to it, the last one showing it. */
  steps?: Step[] | undefined;
}

/** A request that got no answer (timeout, closed connection): the session throws it, the runner reports it. */
export class Unanswered extends Error {
  override name = "Unanswered";
  constructor(readonly observation: Observation) {
    super(observation.message);
  }
}

export interface Property<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  /** Sends what the value needs; returns every violation seen ([] when every promise held). */
  run(value: T): Promise<Observation[]>;
  /** At most this many values in flight (stateful properties that must not interleave: 1). */
  concurrency?: number;
}

export interface Settings {
  seed: number;
  /** Values per property. */
  runs: number;
  concurrency: number;
  /** Epoch ms after which no new value is started (a time budget); Infinity for none. */
  deadline: number;
  /** Time for shrinking one problem. */
  shrinkMs: number;
  /** Epoch ms the whole run started (findings carry the time since). */
  started: number;
  /** Why the run must stop now (aborted, the request cap reached), or undefined to go on. */
  stopped?: () => string | undefined;
  /**
   * Problems (their keys) already shrunk in this run, shared by its properties: a problem a later
   * property sees again is reported as first seen there, not shrunk once more.
   */
  shrunk?: Set<string>;
}

export interface Failure extends Observation {
  seed: number;
  /** fast-check's path of the (shrunk) counterexample: the value can be replayed exactly. */
  replayPath: string;
  shrunk: boolean;
  /** How many sampled values showed this problem. */
  count: number;
  atMs: number;
}

export interface Explored {
  failures: Failure[];
  cases: number;
}

export const problemKey = (
  o: Pick<Observation, "check" | "operation" | "where"> & { clause?: string | undefined },
): string => `${o.check}|${o.operation}|${o.where ?? ""}${o.clause ? `|${o.clause}` : ""}`;

/** Runs `work` over the items, at most `limit` at a time, starting none after `deadline` or once `stopped`. */
export async function pool<T>(
  items: T[],
  limit: number,
  deadline: number,
  work: (item: T, index: number) => Promise<void>,
  stopped: () => unknown = () => undefined,
): Promise<number> {
  let next = 0;
  let started = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length && Date.now() < deadline && !stopped()) {
        const i = next++;
        started++;
        await work(items[i]!, i);
      }
    }),
  );
  return started;
}

/**
 * A property whose code throws on an answer it did not expect reports that, and its run goes on;
 * so does one whose request got no answer. Only the run's stop passes through.
 */
const guarded =
  <T>(p: Property<T>) =>
  async (value: T): Promise<Observation[]> => {
    try {
      return await p.run(value);
    } catch (err) {
      if (err instanceof RunStopped) throw err;
      if (err instanceof Unanswered) return [err.observation];
      return [
        {
          check: "run_completed",
          operation: "(run)",
          message: `${p.name}: the check could not complete: ${err instanceof Error ? err.message : String(err)}`,
          where: p.name,
        },
      ];
    }
  };

/** `run`, but a value cut short by the run's stop counts as nothing seen. */
const untilStopped =
  <T>(run: (value: T) => Promise<Observation[]>) =>
  async (value: T): Promise<Observation[]> =>
    run(value).catch((err: unknown) => {
      if (err instanceof RunStopped) return [];
      throw err;
    });

export async function explore<T>(p: Property<T>, s: Settings): Promise<Explored> {
  const run = untilStopped(guarded(p));
  const stopped = s.stopped ?? (() => undefined);
  const values = fc.sample(p.arbitrary, { seed: s.seed, numRuns: s.runs });
  const first = new Map<string, FirstSeen>();
  const work = async (value: T, index: number) => {
    for (const o of await run(value)) {
      const key = problemKey(o);
      const seen = first.get(key);
      if (!seen) first.set(key, { index, observation: o, count: 1, atMs: Date.now() - s.started });
      else {
        seen.count++;
        if (index < seen.index) Object.assign(seen, { index, observation: o }); // concurrency: keep the earliest case
      }
    }
  };
  const cases = await pool(values, p.concurrency ?? s.concurrency, s.deadline, work, stopped);

  const failures: Failure[] = [];
  for (const [key, seen] of first) failures.push(await shrunkFailure(p, key, seen, s));
  return { failures, cases };
}

/** A few tries at most, as each may wait for a timeout: the run ends in about its normal time plus a few timeouts. */
const UNANSWERED_SHRINK_MS = 3_000;

interface FirstSeen {
  index: number;
  observation: Observation;
  count: number;
  atMs: number;
}

/**
 * Replays the problem's first case through fast-check (its path from the seed), which shrinks it
 * for at most `shrinkMs` (a request without an answer for at most UNANSWERED_SHRINK_MS: each try
 * may cost a timeout). Not seen again: said so (the server answers this case inconsistently).
 * Cut short by the run's stop, or shrunk already by another property of the run: reported as first seen.
 */
async function shrunkFailure<T>(p: Property<T>, key: string, seen: FirstSeen, s: Settings): Promise<Failure> {
  const run = guarded(p);
  let smallest: Observation | undefined;
  let cutShort = Boolean(s.stopped?.());
  const again = s.shrunk?.has(key) ?? false;
  s.shrunk?.add(key);
  const replay =
    cutShort || again
      ? undefined
      : await fc.check(
          fc.asyncProperty(p.arbitrary, async (value) => {
            if (cutShort) return true;
            const hit = await run(value).then(
              (observations) => observations.find((o) => problemKey(o) === key),
              (err: unknown) => {
                if (!(err instanceof RunStopped)) throw err;
                cutShort = true;
                return undefined;
              },
            );
            if (hit) smallest = hit;
            return hit === undefined;
          }),
          {
            seed: s.seed,
            path: String(seen.index),
            numRuns: 1,
            interruptAfterTimeLimit:
              seen.observation.check === "server_answers" ? Math.min(s.shrinkMs, UNANSWERED_SHRINK_MS) : s.shrinkMs,
            markInterruptAsFailure: false,
          },
        );
  const inconsistent = smallest === undefined && !cutShort && !again;
  return {
    ...(smallest ?? seen.observation),
    ...(inconsistent && {
      message: `${seen.observation.message}\n(Seen once; it did not happen again when replayed: the server answers this case inconsistently.)`,
    }),
    seed: s.seed,
    replayPath: replay?.counterexamplePath ?? String(seen.index),
    shrunk: smallest !== undefined && (replay?.numShrinks ?? 0) > 0,
    count: seen.count,
    atMs: seen.atMs,
  };
}

/** Observations of fixed (not generated) cases, as failures: nothing to shrink, one case each. */
export const fixedFailures = (observations: Observation[], s: Pick<Settings, "seed" | "started">): Failure[] =>
  observations.map((o) => ({
    ...o,
    seed: s.seed,
    replayPath: "",
    shrunk: false,
    count: 1,
    atMs: Date.now() - s.started,
  }));
