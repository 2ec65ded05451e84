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
import { coverage, readHits } from "./coverage.ts";
import { startPrism } from "./prism.ts";
import { loadValidator } from "./validator.ts";

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
  }
}

const REPORTS = reportDir(); // reports/, or CONTRACT_REPORT_DIR (parallel runs keep apart)

export default async function setup(project: TestProject) {
  const upstream = process.env.CONTRACT_BASE_URL?.trim().replace(/\/+$/, "");
  if (upstream && !/^https?:\/\/[^/]/.test(upstream)) {
    throw new Error(`CONTRACT_BASE_URL must be an http(s) URL, got ${JSON.stringify(upstream)}`);
  }
  const target = upstream ? "live" : "mock";
  const validator = await loadValidator(); // fail fast on a spec that does not bundle
  const dir = mkdtempSync(join(tmpdir(), "arize-contract-"));
  const coverageFile = join(dir, "coverage.jsonl");
  // Conformance mode (../conformance/live.ts): Prism forwards to a tap that keeps the server's own answers.
  const live = upstream
    ? await startLive(upstream).catch((err) => {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      })
    : undefined;
  const prism = await startPrism(live ? { mode: "proxy", upstream: live.tapUrl } : { mode: "mock" }).catch(async (err) => {
    rmSync(dir, { recursive: true, force: true });
    await live?.abort();
    throw err;
  });
  const conformance = live?.provided ?? { tapUrl: "", runId: "", findingsFile: "", createdFile: "" };
  project.provide("tapUrl", conformance.tapUrl);
  project.provide("runId", conformance.runId);
  project.provide("findingsFile", conformance.findingsFile);
  project.provide("createdFile", conformance.createdFile);

  project.provide("target", target);
  project.provide("prismUrl", prism.url);
  project.provide("upstreamUrl", upstream ?? "");
  project.provide("coverageFile", coverageFile);

  return async () => {
    await prism.stop();
    const hits = readHits(coverageFile);
    rmSync(dir, { recursive: true, force: true });
    const table = coverage(validator.operations, hits);
    const title = `Contract coverage (${target}${upstream ? `: ${upstream}` : ""})`;
    console.log(`\n${title}\n\n${table.markdown}\n`);
    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(join(REPORTS, "coverage.md"), `# ${title}\n\n${table.markdown}\n`);
    await live?.finish(table.markdown); // deletes the users the run created, writes reports/conformance.md
    if (target === "mock" && process.env.CONTRACT_COVERAGE !== "report" && table.gaps.length > 0) {
      process.exitCode = 1;
      console.error(`FAIL: documented responses never exercised by the contract suite: ${table.gaps.join(", ")}`);
    }
  };
}
