// Runs a property the way a conformance run needs it: sample `runs` values from the seed and
// send them (a few at a time), collect every violation, group them into distinct problems, then
// replay each problem's first case through fast-check (its `path`) so that it shrinks to a
// minimal case. The same seed replays the same run: CONTRACT_SEED.
import fc from "fast-check";

export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

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

export const problemKey = (o: Pick<Observation, "check" | "operation" | "where">): string =>
  `${o.check}|${o.operation}|${o.where ?? ""}`;

/** Runs `work` over the items, at most `limit` at a time, starting none after `deadline`. */
export async function pool<T>(
  items: T[],
  limit: number,
  deadline: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  let started = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length && Date.now() < deadline) {
        const i = next++;
        started++;
        await work(items[i]!, i);
      }
    }),
  );
  return started;
}

/** A property whose code throws on an answer it did not expect reports that, and its run goes on. */
const guarded =
  <T>(p: Property<T>) =>
  async (value: T): Promise<Observation[]> => {
    try {
      return await p.run(value);
    } catch (err) {
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

export async function explore<T>(p: Property<T>, s: Settings): Promise<Explored> {
  const run = guarded(p);
  const values = fc.sample(p.arbitrary, { seed: s.seed, numRuns: s.runs });
  const first = new Map<string, { index: number; observation: Observation; count: number; atMs: number }>();
  const cases = await pool(values, p.concurrency ?? s.concurrency, s.deadline, async (value, index) => {
    for (const o of await run(value)) {
      const key = problemKey(o);
      const seen = first.get(key);
      if (!seen) first.set(key, { index, observation: o, count: 1, atMs: Date.now() - s.started });
      else {
        seen.count++;
        if (index < seen.index) Object.assign(seen, { index, observation: o }); // concurrency: keep the earliest case
      }
    }
  });

  const failures: Failure[] = [];
  for (const [key, seen] of first) {
    let smallest: { observation: Observation; path: string } | undefined;
    const replay = await fc.check(
      fc.asyncProperty(p.arbitrary, async (value) => {
        const hit = (await run(value)).find((o) => problemKey(o) === key);
        if (hit) smallest = { observation: hit, path: "" };
        return hit === undefined;
      }),
      {
        seed: s.seed,
        path: String(seen.index),
        numRuns: 1,
        interruptAfterTimeLimit: s.shrinkMs,
        markInterruptAsFailure: false,
      },
    );
    const reproduced = smallest !== undefined;
    failures.push({
      ...(smallest?.observation ?? seen.observation),
      ...(reproduced
        ? {}
        : {
            message: `${seen.observation.message}\n(Seen once; it did not happen again when replayed: the server answers this case inconsistently.)`,
          }),
      seed: s.seed,
      replayPath: replay.counterexamplePath ?? String(seen.index),
      shrunk: reproduced && (replay.numShrinks ?? 0) > 0,
      count: seen.count,
      atMs: seen.atMs,
    });
  }
  return { failures, cases };
}

/**
 * Settings from the environment: CONTRACT_SEED, CONTRACT_BUDGET (`200` values per property or
 * `60s`), CONTRACT_CONCURRENCY, CONTRACT_SHRINK_SECONDS (time to shrink one problem, default 10).
 */
export function settingsFromEnv(
  env: NodeJS.ProcessEnv,
  defaults: { runs: number; concurrency: number },
  started = Date.now(),
): Settings {
  const seedText = env.CONTRACT_SEED?.trim();
  const seed = seedText ? Number(seedText) : (Math.random() * 2 ** 31) | 0;
  if (!Number.isSafeInteger(seed)) throw new Error(`CONTRACT_SEED must be an integer, got ${JSON.stringify(seedText)}`);
  const budget = env.CONTRACT_BUDGET?.trim() ?? "";
  const m = /^(\d+)(s?)$/.exec(budget);
  if (budget && (!m || Number(m[1]) < 1))
    throw new Error(
      `CONTRACT_BUDGET must be a number of cases per property (e.g. 200) or seconds (e.g. 60s), got ${JSON.stringify(budget)}`,
    );
  const seconds = m?.[2] === "s" ? Number(m[1]) : undefined;
  const concurrencyText = env.CONTRACT_CONCURRENCY?.trim();
  const concurrency = concurrencyText ? Number(concurrencyText) : defaults.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new Error(`CONTRACT_CONCURRENCY must be an integer from 1 to 64, got ${JSON.stringify(concurrencyText)}`);
  const shrinkText = env.CONTRACT_SHRINK_SECONDS?.trim();
  const shrinkMs = shrinkText ? Number(shrinkText) * 1000 : 10_000;
  if (!Number.isFinite(shrinkMs) || shrinkMs < 0)
    throw new Error(
      `CONTRACT_SHRINK_SECONDS must be a number of seconds (0 for no shrinking), got ${JSON.stringify(shrinkText)}`,
    );
  return {
    seed,
    // A time budget still caps the values drawn per property; the deadline stops early.
    runs: m && !seconds ? Number(m[1]) : seconds ? Math.max(defaults.runs, 1000) : defaults.runs,
    concurrency,
    deadline: seconds ? started + seconds * 1000 : Infinity,
    shrinkMs,
    started,
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
