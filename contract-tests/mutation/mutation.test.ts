// Proof that conformance mode bites: the reference server must pass it, and each deliberately
// broken variant (reference-server/mutations.ts) must be caught — exit non-zero AND a report that
// names the fault. Writes reports/mutation.md (kill rate, and which faults Prism alone catches).
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
      if (!isMutationName(n.trim())) throw new Error(`MUTATION_ONLY: unknown mutant "${n}"; known: ${MUTATION_NAMES.join(", ")}`);
      return n.trim() as MutationName;
    })
  : MUTATION_NAMES;
const CONCURRENCY = Math.max(1, Number(process.env.MUTATION_CONCURRENCY ?? 2));
// Recognisable, so the leak check below can look for it in everything a run printed or wrote.
const API_KEY = `mutation-key-${randomBytes(8).toString("hex")}`;

interface Outcome { variant: string; run: ConformanceRun; prismFindings: number; findings: number; leftovers: string[] }
const outcomes = new Map<string, Outcome>();

async function runVariant(mutation: MutationName | undefined): Promise<void> {
  const server = await startReferenceServer({ apiKey: API_KEY, mutation });
  try {
    const run = await runConformance({ baseUrl: server.url, apiKey: API_KEY });
    const variant = mutation ?? "conforming";
    // What the run left behind: users whose email carries its run id (the teardown must delete them all).
    const runId = /run id: (\S+)/.exec(run.report)?.[1];
    const left = runId && !mutation
      ? ((await (await fetch(`${server.url}/v2/users?limit=100&email=${runId}`, { headers: { Authorization: `Bearer ${API_KEY}` } })).json()) as { users: { email: string }[] }).users
      : [];
    outcomes.set(variant, {
      variant,
      run,
      leftovers: left.map((u) => u.email),
      findings: (run.report.match(/^### \d+\. /gm) ?? []).length,
      prismFindings: (run.report.match(/^### \d+\. Prism /gm) ?? []).length,
    });
  } finally {
    await server.stop();
  }
}

/** At most CONCURRENCY children at a time: the machine is shared. */
async function pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (queue.length) await work(queue.shift()!);
  }));
}

/** The findings part of a report: not its header, the skipped list or the coverage table. */
const findingsOf = (report: string) => report.split(/\n## (?:Skipped|Coverage)\b/)[0]!.split("\n## ").slice(1).join("\n## ");
const caught = (name: MutationName, o: Outcome | undefined) => !!o && o.run.code !== 0 && MUTATIONS[name].detects.test(findingsOf(o.run.report));

function table(): string {
  const rows = SELECTED.map((name) => {
    const o = outcomes.get(name);
    const verdict = !o ? "not run" : caught(name, o) ? "caught" : o.run.code !== 0 ? "missed (failed, fault not named)" : "missed";
    return `| ${name} | ${MUTATIONS[name].fault} | ${verdict} | ${o ? (o.prismFindings ? "yes" : "**no**") : "-"} | ${o?.findings ?? "-"} | ${o?.run.seconds.toFixed(1) ?? "-"} |`;
  });
  const kills = SELECTED.filter((n) => caught(n, outcomes.get(n))).length;
  const conforming = outcomes.get("conforming");
  const missedByPrism = SELECTED.filter((n) => outcomes.get(n) && !outcomes.get(n)!.prismFindings);
  return [
    "# Mutation test of conformance mode",
    "",
    `Conforming reference server: ${conforming ? (conforming.run.code === 0 ? `passes (exit 0, ${conforming.run.seconds.toFixed(1)} s)` : `FAILS (exit ${conforming.run.code})`) : "not run"}.`,
    "",
    `Kill rate: **${kills}/${SELECTED.length} (${((100 * kills) / SELECTED.length).toFixed(0)}%)**.`,
    "",
    "| variant | fault | verdict | Prism alone (sl-violations) | findings | seconds |",
    "|---|---|---|:-:|--:|--:|",
    ...rows,
    "",
    `Faults Prism's proxy alone does not report (caught only by the in-process validator, the negative cases or the behaviour checks): ${missedByPrism.join(", ") || "none"}.`,
    "",
  ].join("\n");
}

describe("mutation test: conformance mode against the reference server and its mutants", () => {
  beforeAll(async () => {
    await runVariant(undefined); // first: if the good server fails, mutants prove nothing
    await pool(SELECTED, runVariant);
  }, 900_000);

  afterAll(() => {
    stopAll();
    const text = table();
    console.log(`\n${text}`);
    mkdirSync(reportDir(), { recursive: true });
    writeFileSync(join(reportDir(), "mutation.md"), text);
  });

  it("the conforming reference server passes (exit 0, nothing found)", () => {
    const o = outcomes.get("conforming");
    expect(o, "conforming run").toBeDefined();
    expect(o!.run.code, o!.run.report || o!.run.output.slice(-4000)).toBe(0);
    expect(o!.run.report).toContain("PASS: nothing found");
    expect(o!.run.files["junit.xml"], "JUnit XML for CI").toMatch(/<testsuites[^>]*failures="0"/);
  });

  it("the conforming run deletes every user it created", () => {
    const o = outcomes.get("conforming");
    expect(o?.run.report, "a report with the run id").toMatch(/run id: \S+/);
    expect(o!.leftovers).toEqual([]);
  });

  it.each(SELECTED)("mutant %s is caught, for the right reason", (name) => {
    const o = outcomes.get(name);
    expect(o, `${name} run`).toBeDefined();
    expect(o!.run.code, `exit status of conformance mode against ${name}`).not.toBe(0);
    expect(o!.run.files["junit.xml"], "JUnit XML for CI names a failure").toMatch(/<failure/);
    expect(findingsOf(o!.run.report), `the report's findings must name the fault (${MUTATIONS[name].detects})`).toMatch(MUTATIONS[name].detects);
  });

  it("the API key appears in no output and no report of any run", () => {
    expect(outcomes.size).toBe(SELECTED.length + 1);
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
