// Vitest globalSetup of the contract project: one Prism for the whole run, always stopped, and
// the coverage table at the end.
//
// CONTRACT_BASE_URL unset → target "mock": Prism mocks the spec; a documented response the suite
//   never exercised fails the run (CONTRACT_COVERAGE=report only reports, for a filtered run by hand).
// CONTRACT_BASE_URL set → target "live": Prism's validating proxy (--errors) in front of that server;
//   tests reach the server through `prismUrl`, or straight at `upstreamUrl` for requests Prism would
//   refuse itself. Gaps are reported, not failed (many responses cannot be triggered on demand live).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { reportDir, startLive } from "../conformance/live.ts";
import { constraintCoverage, coverage, readGeneratedHits, readHits } from "./coverage.ts";
import { constraintsOf, coverageKeys } from "../engine/generate.ts";
import { startPrism } from "./prism.ts";
import { loadApi } from "../engine/spec.ts";
import { selectedChecks } from "../engine/checks.ts";
import { settingsFromEnv } from "../engine/runner.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** "mock": Prism's mock; "live": Prism's proxy in front of CONTRACT_BASE_URL. */
    target: "mock" | "live";
    /** Where tests send requests: the mock, or the validating proxy. */
    prismUrl: string;
    /** The live server itself (CONTRACT_BASE_URL); "" in mock mode. */
    upstreamUrl: string;
    /** Append-only JSON lines of (operationId, status) hits; see coverage.ts. */
    coverageFile: string;
    /** The run's fast-check seed (CONTRACT_SEED, else drawn here): every worker generates from it. */
    seed: number;
    /** Epoch ms the run started: findings carry the time since, a time budget counts from it. */
    started: number;
  }
}

const REPORTS = reportDir(); // reports/, or CONTRACT_REPORT_DIR (parallel runs keep apart)

export default async function setup(project: TestProject) {
  const upstream = process.env.CONTRACT_BASE_URL?.trim().replace(/\/+$/, "");
  if (upstream && !/^https?:\/\/[^/]/.test(upstream)) {
    throw new Error(`CONTRACT_BASE_URL must be an http(s) URL, got ${JSON.stringify(upstream)}`);
  }
  const target = upstream ? "live" : "mock";
  // Bad settings fail here, once, with a message naming them (not in every worker).
  const settings = settingsFromEnv(process.env, { runs: 1, concurrency: 1 });
  selectedChecks();
  console.log(`contract: seed ${settings.seed} (replay this run with CONTRACT_SEED=${settings.seed})`);
  const api = await loadApi(); // fail fast on a spec that does not bundle
  const doc = api.doc;
  const dir = mkdtempSync(join(tmpdir(), "arize-contract-"));
  const coverageFile = join(dir, "coverage.jsonl");
  // Conformance mode (../conformance/live.ts): Prism forwards to a tap that keeps the server's own answers.
  const live = upstream
    ? await startLive(upstream, settings.seed).catch((err) => {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      })
    : undefined;
  const prism = await startPrism(live ? { mode: "proxy", upstream: live.tapUrl } : { mode: "mock" }).catch(
    async (err) => {
      rmSync(dir, { recursive: true, force: true });
      await live?.abort();
      throw err;
    },
  );
  const conformance = live?.provided ?? { tapUrl: "", runId: "", findingsFile: "", createdFile: "" };
  project.provide("tapUrl", conformance.tapUrl);
  project.provide("runId", conformance.runId);
  project.provide("findingsFile", conformance.findingsFile);
  project.provide("createdFile", conformance.createdFile);

  project.provide("target", target);
  project.provide("prismUrl", prism.url);
  project.provide("upstreamUrl", upstream ?? "");
  project.provide("coverageFile", coverageFile);
  project.provide("seed", settings.seed);
  project.provide("started", settings.started);

  return async () => {
    await prism.stop();
    const hits = readHits(coverageFile);
    const generated = readGeneratedHits(coverageFile);
    rmSync(dir, { recursive: true, force: true });
    const table = coverage(api.operations, hits);
    const operations = api.operations.map((o) => o.operationId);
    const constraints = constraintsOf(doc).filter((c) => !c.unsendable);
    const reachable = operations.flatMap((operationId) => {
      const keys = coverageKeys(doc, operationId);
      return [...keys.enumValues, ...keys.branches].map((key) => ({ key: `${operationId} ${key}`, operationId }));
    });
    const unsendable = constraintsOf(doc)
      .filter((c) => c.unsendable)
      .map((c) => `- ${c.id}: ${c.unsendable}`);
    const constraintTable = constraintCoverage(operations, constraints, reachable, generated);
    const title = `Contract coverage (${target}${upstream ? `: ${upstream}` : ""})`;
    const markdown = [
      table.markdown,
      "",
      `### Constraints (seed ${settings.seed})`,
      "",
      constraintTable.markdown,
      ...(unsendable.length
        ? ["", "Constraints no single request can break on the wire (no negative case):", "", ...unsendable]
        : []),
    ].join("\n");
    console.log(`\n${title}\n\n${table.markdown}\n\n${constraintTable.markdown.split("\n\n")[0]}\n`);
    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(join(REPORTS, "coverage.md"), `# ${title}\n\n${markdown}\n`);
    await live?.finish(markdown, hits.length); // deletes the users the run created, writes the reports
    // A filtered run (CONTRACT_COVERAGE=report, CONTRACT_ONLY/SKIP) only reports its gaps.
    const gate =
      target === "mock" &&
      process.env.CONTRACT_COVERAGE !== "report" &&
      !process.env.CONTRACT_ONLY &&
      !process.env.CONTRACT_SKIP;
    if (gate && table.gaps.length > 0) {
      process.exitCode = 1;
      console.error(`FAIL: documented responses never exercised by the contract suite: ${table.gaps.join(", ")}`);
    }
    if (gate && constraintTable.gaps.length > 0) {
      process.exitCode = 1;
      console.error(
        `FAIL: constraint coverage (a constraint without a negative case, or a value no positive case reached): ${constraintTable.gaps.join("; ")}`,
      );
    }
  };
}
