// Proof that conformance mode bites: the reference server must pass under several seeds (a finding
// that comes and goes is a defect of the suite), and each deliberately broken variant
// (reference-server/mutations.ts) must be caught: a finding of one of the checks the mutant
// declares. Every run is the library's own (runConformance), in this process, the server called
// as a request handler without a port; one conforming run goes over HTTP too. Writes
// reports/mutation.md.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConformance } from "../engine/conformance.ts";
import { renderJunit, renderMarkdown, verdictOf, type FindingsRun } from "../engine/findings.ts";
import { handlerTransport, type Transport } from "../engine/transport.ts";
import { reportDir } from "../harness/global-setup.ts";
import { isMutationName, MUTATION_NAMES, MUTATIONS, type MutationName } from "../reference-server/mutations.ts";
import { createReferenceHandler, startReferenceServer } from "../reference-server/server.ts";

// MUTATION_ONLY=a,b runs just those mutants (by hand, while working on one); npm test runs all.
const SELECTED: MutationName[] = process.env.MUTATION_ONLY
  ? process.env.MUTATION_ONLY.split(",").map((n) => {
      if (!isMutationName(n.trim()))
        throw new Error(`MUTATION_ONLY: unknown mutant "${n}"; known: ${MUTATION_NAMES.join(", ")}`);
      return n.trim() as MutationName;
    })
  : MUTATION_NAMES;
// Runs at once: they share this process's one thread, so more only overlaps their waits.
const CONCURRENCY = 4;
// Fixed seeds: the conforming server must pass each; mutants run under the first.
const SEEDS = [1, 2, 3, 4, 5];
const BUDGET = Number(process.env.MUTATION_BUDGET ?? 25);
// A mutant is caught or not by its first cases; shrinking each of its problems long only costs time.
const SHRINK_MS = 500;
// Recognisable, so the leak check below can look for it in everything a run wrote.
const API_KEY = `mutation-key-${randomBytes(8).toString("hex")}`;

interface Variant {
  key: string;
  mutation: MutationName | undefined;
  seed: number;
  over: "in-process" | "HTTP";
}
interface Outcome extends Variant {
  report: FindingsRun;
  seconds: number;
  checks: string[];
  /** Users whose email carries the run id, left after the run (the engine must delete them all). */
  leftovers: string[];
  /** Every text the run produced: the report as JSON, Markdown, JUnit. */
  texts: Record<string, string>;
}
const outcomes = new Map<string, Outcome>();

/** The emails of users the run left behind, asked of the server itself. */
async function leftovers(transport: Transport, runId: string): Promise<string[]> {
  const answer = await transport.send(
    {
      method: "GET",
      url: `http://reference.localhost/v2/users?limit=100&email=${runId}`,
      headers: { Authorization: `Bearer ${API_KEY}` },
    },
    { timeoutMs: 10_000 },
  );
  return (JSON.parse(answer.body) as { users: { email: string }[] }).users.map((u) => u.email);
}

async function runVariant(v: Variant): Promise<void> {
  const handler = createReferenceHandler({ apiKey: API_KEY, mutation: v.mutation });
  const transport = handlerTransport(handler);
  const server = v.over === "HTTP" ? await startReferenceServer({ apiKey: API_KEY, mutation: v.mutation }) : undefined;
  const started = performance.now();
  try {
    const report = await runConformance({
      apiKey: API_KEY,
      writes: true,
      seed: v.seed,
      budget: BUDGET,
      shrinkMs: SHRINK_MS,
      ...(server ? { baseUrl: server.url } : { transport, baseUrl: "http://reference.localhost" }),
    });
    const seconds = (performance.now() - started) / 1000;
    outcomes.set(v.key, {
      ...v,
      report,
      seconds,
      checks: [...new Set(report.findings.map((f) => f.check))].sort(),
      leftovers: v.mutation || server ? [] : await leftovers(transport, report.runId),
      texts: { json: JSON.stringify(report), md: renderMarkdown(report), junit: renderJunit(report) },
    });
  } finally {
    await server?.stop();
  }
}

/** At most CONCURRENCY runs at a time. */
async function pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (queue.length) await work(queue.shift()!);
    }),
  );
}

const conforming = (seed: number, over: Variant["over"] = "in-process"): Variant => ({
  key: `conforming (seed ${seed}${over === "HTTP" ? ", over HTTP" : ""})`,
  mutation: undefined,
  seed,
  over,
});
const mutant = (name: MutationName): Variant => ({ key: name, mutation: name, seed: SEEDS[0]!, over: "in-process" });

const caught = (name: MutationName, o: Outcome | undefined) =>
  !!o &&
  verdictOf(o.report) === "FAIL" &&
  o.checks.some((c) => (MUTATIONS[name].checks as readonly string[]).includes(c));
const firstSeconds = (o: Outcome) => {
  const times = o.report.findings.map((f) => f.atMs);
  return times.length ? (Math.min(...times) / 1000).toFixed(2) : "-";
};

function table(): string {
  const rows = SELECTED.map((name) => {
    const o = outcomes.get(name);
    const verdict = !o
      ? "not run"
      : caught(name, o)
        ? "caught"
        : o.report.findings.length
          ? "missed (found, not by its checks)"
          : "missed";
    return `| ${name} | ${MUTATIONS[name].class} | ${MUTATIONS[name].fault} | ${verdict} | ${o?.checks.join(", ") || "-"} | ${o?.report.groups.length ?? "-"} | ${o ? firstSeconds(o) : "-"} | ${o?.report.requests ?? "-"} | ${o?.seconds.toFixed(2) ?? "-"} |`;
  });
  const kills = SELECTED.filter((n) => caught(n, outcomes.get(n))).length;
  const seeds = [...SEEDS.map((seed) => conforming(seed)), conforming(SEEDS[0]!, "HTTP")].map(({ key }) => {
    const o = outcomes.get(key);
    return `| ${key} | ${!o ? "not run" : o.report.findings.length === 0 ? "pass" : `**FAIL** (${o.checks.join(", ")})`} | ${o?.report.requests ?? "-"} | ${o?.report.cases ?? "-"} | ${o?.seconds.toFixed(2) ?? "-"} |`;
  });
  return [
    "# Mutation test of conformance mode",
    "",
    `Budget ${BUDGET} cases per property; shrinking ${SHRINK_MS / 1000} s per problem; mutants run with seed ${SEEDS[0]}, in-process.`,
    "",
    "| conforming server | verdict | requests | generated cases | seconds |",
    "|---|---|--:|--:|--:|",
    ...seeds,
    "",
    `Kill rate: **${kills}/${SELECTED.length} (${((100 * kills) / SELECTED.length).toFixed(0)}%)**.`,
    "",
    "| variant | class | fault | verdict | checks that fired | problems | first finding (s) | requests | seconds |",
    "|---|---|---|---|---|--:|--:|--:|--:|",
    ...rows,
    "",
  ].join("\n");
}

describe("mutation test: conformance mode against the reference server and its mutants", () => {
  beforeAll(async () => {
    await runVariant(conforming(SEEDS[0]!)); // first: if the good server fails, mutants prove nothing
    await pool(
      [...SEEDS.slice(1).map((seed) => conforming(seed)), conforming(SEEDS[0]!, "HTTP"), ...SELECTED.map(mutant)],
      runVariant,
    );
  }, 900_000);

  afterAll(() => {
    const text = table();
    console.log(`\n${text}`);
    mkdirSync(reportDir(), { recursive: true });
    writeFileSync(join(reportDir(), "mutation.md"), text);
  });

  it.each([...SEEDS.map((seed) => conforming(seed)), conforming(SEEDS[0]!, "HTTP")].map((v) => [v.key, v] as const))(
    "the %s passes: no finding, the seed it was given, a JUnit file without failures",
    (_, v) => {
      const o = outcomes.get(v.key);
      expect(o, "conforming run").toBeDefined();
      expect(o!.report.findings.map((f) => `${f.check} ${f.operation}: ${f.message}`)).toEqual([]);
      expect(o!.report.seed).toBe(v.seed);
      expect(o!.texts.junit).toMatch(/<testsuites[^>]*failures="0"/);
    },
  );

  it("a conforming run deletes every user it created", () => {
    for (const seed of SEEDS) expect(outcomes.get(conforming(seed).key)!.leftovers, `seed ${seed}`).toEqual([]);
  });

  it.each(SELECTED)("mutant %s is caught, by the checks it declares", (name) => {
    const o = outcomes.get(name);
    expect(o, `${name} run`).toBeDefined();
    expect(verdictOf(o!.report), `verdict against ${name}`).toBe("FAIL");
    expect(o!.texts.junit, "JUnit XML for CI names a failure").toMatch(/<failure/);
    expect(o!.checks, `findings of ${name} must include one of ${MUTATIONS[name].checks.join(", ")}`).toEqual(
      expect.arrayContaining([expect.toBeOneOf([...MUTATIONS[name].checks])]),
    );
  });

  it("the API key appears in no report of any run", () => {
    expect(outcomes.size).toBe(SELECTED.length + SEEDS.length + 1);
    for (const o of outcomes.values())
      for (const [what, text] of Object.entries(o.texts))
        expect(text.includes(API_KEY), `${o.key}: ${what} leaks the API key`).toBe(false);
  });

  it("the kill rate is 100%", () => {
    const missed = SELECTED.filter((n) => !caught(n, outcomes.get(n)));
    expect(missed, table()).toEqual([]);
  });
});
