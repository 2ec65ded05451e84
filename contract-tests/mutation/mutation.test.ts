// Proof that conformance mode bites: the reference server must pass it under several seeds (a
// finding that comes and goes is a defect of the suite), and each deliberately broken variant
// (reference-server/mutations.ts) must be caught: the run exits non-zero AND its findings.json
// holds a finding of one of the checks the mutant declares. Writes reports/mutation.md.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportDir } from "../conformance/live.ts";
import { isMutationName, MUTATION_NAMES, MUTATIONS, type MutationName } from "../reference-server/mutations.ts";
import { startReferenceServer } from "../reference-server/server.ts";
import { runConformance, stopAll, type ConformanceRun } from "./run-conformance.ts";

// MUTATION_ONLY=a,b runs just those mutants (by hand, while working on one); npm test runs all.
const SELECTED: MutationName[] = process.env.MUTATION_ONLY
  ? process.env.MUTATION_ONLY.split(",").map((n) => {
      if (!isMutationName(n.trim()))
        throw new Error(`MUTATION_ONLY: unknown mutant "${n}"; known: ${MUTATION_NAMES.join(", ")}`);
      return n.trim() as MutationName;
    })
  : MUTATION_NAMES;
const CONCURRENCY = Math.max(1, Number(process.env.MUTATION_CONCURRENCY ?? 2));
// Fixed seeds: the conforming server must pass each; mutants run under the first.
const SEEDS = [1, 2, 3, 4, 5];
const BUDGET = process.env.MUTATION_BUDGET ?? "25";
// Recognisable, so the leak check below can look for it in everything a run printed or wrote.
const API_KEY = `mutation-key-${randomBytes(8).toString("hex")}`;

interface Outcome {
  variant: string;
  seed: number;
  run: ConformanceRun;
  checks: string[];
  leftovers: string[];
}
const outcomes = new Map<string, Outcome>();
const conformingKey = (seed: number) => `conforming (seed ${seed})`;

async function runVariant(mutation: MutationName | undefined, seed: number): Promise<void> {
  const server = await startReferenceServer({ apiKey: API_KEY, mutation });
  try {
    const run = await runConformance({ baseUrl: server.url, apiKey: API_KEY, seed, budget: BUDGET });
    // What the run left behind: users whose email carries its run id (the teardown must delete them all).
    const runId = run.findings?.runId;
    const left =
      runId && !mutation
        ? (
            (await (
              await fetch(`${server.url}/v2/users?limit=100&email=${runId}`, {
                headers: { Authorization: `Bearer ${API_KEY}` },
              })
            ).json()) as { users: { email: string }[] }
          ).users
        : [];
    const variant = mutation ?? conformingKey(seed);
    outcomes.set(variant, {
      variant,
      seed,
      run,
      checks: [...new Set(run.findings?.findings.map((f) => f.check) ?? [])].sort(),
      leftovers: left.map((u) => u.email),
    });
  } finally {
    await server.stop();
  }
}

/** At most CONCURRENCY children at a time: the machine is shared. */
async function pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (queue.length) await work(queue.shift()!);
    }),
  );
}

const caught = (name: MutationName, o: Outcome | undefined) =>
  !!o && o.run.code !== 0 && o.checks.some((c) => (MUTATIONS[name].checks as readonly string[]).includes(c));
const firstMs = (o: Outcome) => {
  const times = o.run.findings?.findings.map((f) => f.atMs) ?? [];
  return times.length ? `${(Math.min(...times) / 1000).toFixed(1)}` : "-";
};

function table(): string {
  const rows = SELECTED.map((name) => {
    const o = outcomes.get(name);
    const verdict = !o
      ? "not run"
      : caught(name, o)
        ? "caught"
        : o.run.code !== 0
          ? "missed (failed, not by its checks)"
          : "missed";
    return `| ${name} | ${MUTATIONS[name].class} | ${MUTATIONS[name].fault} | ${verdict} | ${o?.checks.join(", ") || "-"} | ${o ? (o.checks.includes("prism_violation") ? "yes" : "**no**") : "-"} | ${o?.run.findings?.groups.length ?? "-"} | ${o ? firstMs(o) : "-"} | ${o?.run.seconds.toFixed(1) ?? "-"} |`;
  });
  const kills = SELECTED.filter((n) => caught(n, outcomes.get(n))).length;
  const seeds = SEEDS.map((seed) => {
    const o = outcomes.get(conformingKey(seed));
    return `| ${seed} | ${!o ? "not run" : o.run.code === 0 ? "pass" : `**FAIL** (exit ${o.run.code}: ${o.checks.join(", ") || "no findings.json"})`} | ${o?.run.findings?.requests ?? "-"} | ${o?.run.findings?.cases ?? "-"} | ${o?.run.seconds.toFixed(1) ?? "-"} |`;
  });
  const missedByPrism = SELECTED.filter((n) => outcomes.get(n) && !outcomes.get(n)!.checks.includes("prism_violation"));
  return [
    "# Mutation test of conformance mode",
    "",
    `Budget ${BUDGET} cases per property; mutants run with seed ${SEEDS[0]}.`,
    "",
    "| conforming server, seed | verdict | requests | generated cases | seconds |",
    "|--:|---|--:|--:|--:|",
    ...seeds,
    "",
    `Kill rate: **${kills}/${SELECTED.length} (${((100 * kills) / SELECTED.length).toFixed(0)}%)**.`,
    "",
    "| variant | class | fault | verdict | checks that fired | Prism alone | problems | first finding (s) | seconds |",
    "|---|---|---|---|---|:-:|--:|--:|--:|",
    ...rows,
    "",
    `Faults Prism's proxy alone does not report: ${missedByPrism.join(", ") || "none"}.`,
    "",
  ].join("\n");
}

describe("mutation test: conformance mode against the reference server and its mutants", () => {
  beforeAll(async () => {
    await runVariant(undefined, SEEDS[0]!); // first: if the good server fails, mutants prove nothing
    await pool(
      [
        ...SEEDS.slice(1).map((seed) => ({ mutation: undefined, seed })),
        ...SELECTED.map((mutation) => ({ mutation, seed: SEEDS[0]! })),
      ],
      ({ mutation, seed }) => runVariant(mutation, seed),
    );
  }, 3_600_000);

  afterAll(() => {
    stopAll();
    const text = table();
    console.log(`\n${text}`);
    mkdirSync(reportDir(), { recursive: true });
    writeFileSync(join(reportDir(), "mutation.md"), text);
  });

  it.each(SEEDS)("the conforming reference server passes with seed %i (exit 0, no finding)", (seed) => {
    const o = outcomes.get(conformingKey(seed));
    expect(o, "conforming run").toBeDefined();
    expect(o!.run.code, o!.run.report || o!.run.output.slice(-4000)).toBe(0);
    expect(o!.run.findings?.findings, "findings.json of a passing run").toEqual([]);
    expect(o!.run.findings?.seed, "the run used the seed it was given").toBe(seed);
    expect(o!.run.files["junit.xml"], "JUnit XML for CI").toMatch(/<testsuites[^>]*failures="0"/);
  });

  it("a conforming run deletes every user it created", () => {
    for (const seed of SEEDS) {
      const o = outcomes.get(conformingKey(seed));
      expect(o?.run.findings?.runId, "a findings.json with the run id").toMatch(/\S/);
      expect(o!.leftovers, `seed ${seed}`).toEqual([]);
    }
  });

  it.each(SELECTED)("mutant %s is caught, by the checks it declares", (name) => {
    const o = outcomes.get(name);
    expect(o, `${name} run`).toBeDefined();
    expect(o!.run.code, `exit status of conformance mode against ${name}`).not.toBe(0);
    expect(o!.run.files["junit.xml"], "JUnit XML for CI names a failure").toMatch(/<failure/);
    expect(o!.checks, `findings of ${name} must include one of ${MUTATIONS[name].checks.join(", ")}`).toEqual(
      expect.arrayContaining([expect.toBeOneOf([...MUTATIONS[name].checks])]),
    );
  });

  it("the API key appears in no output and no report of any run", () => {
    expect(outcomes.size).toBe(SELECTED.length + SEEDS.length);
    for (const o of outcomes.values()) {
      for (const [what, text] of [["output", o.run.output], ...Object.entries(o.run.files)] as const) {
        expect(text.includes(API_KEY), `${o.variant}: ${what} leaks the API key`).toBe(false);
      }
    }
  });

  it("the kill rate is 100%", () => {
    const missed = SELECTED.filter((n) => !caught(n, outcomes.get(n)));
    expect(missed, table()).toEqual([]);
  });
});
