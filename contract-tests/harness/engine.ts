// The mock suite's way to the engine: runConformance against the Prism mock (whose sl-violations
// are findings), with the run's seed and the CONTRACT_* settings, recording coverage from the
// request events (every status seen; the constraints broken and the values reached).
import { inject } from "vitest";
import { runConformance } from "../engine/conformance.ts";
import type { Finding, FindingsRun } from "../engine/findings.ts";
import type { ConformanceOptions } from "../engine/options.ts";
import { recordHit } from "./coverage.ts";
import { API_KEY, prismUrl, record } from "./context.ts";
import { optionsFromEnv } from "./options-from-env.ts";

const coverageFile = inject("coverageFile");

/** One engine run on the mock; `options` narrow it (phases, operations). */
export function runOnMock(options: Partial<ConformanceOptions>): Promise<FindingsRun> {
  const { baseUrl: _live, apiKey: _key, reportDir: _dir, ...fromEnv } = optionsFromEnv(process.env);
  return runConformance({
    budget: 60,
    ...fromEnv,
    baseUrl: prismUrl,
    apiKey: API_KEY,
    seed: inject("seed"),
    writes: true, // the mock keeps nothing
    slViolations: true,
    ...options,
    onEvent(event) {
      if (event.type !== "request") return;
      if (event.status !== undefined) record(event.operationId, event.status);
      if (event.constraint) recordHit(coverageFile, { constraint: event.constraint });
      for (const key of event.covers ?? []) recordHit(coverageFile, { reached: `${event.operationId} ${key}` });
    },
  });
}

/** A finding as a test failure message: what, where, how to replay, and the curl. */
export const describeFinding = (f: Finding): string =>
  [
    `${f.check} (${f.operation}${f.where ? ` at ${f.where}` : ""}, ${f.count ?? 1} case(s)${f.shrunk ? ", shrunk" : ""}): ${f.message}`,
    f.response ? `  answer: ${f.response.status} ${f.response.body.slice(0, 300)}` : "",
    f.curl ? `  ${f.curl}` : "",
    f.seed !== undefined ? `  replay: CONTRACT_SEED=${f.seed}` : "",
  ]
    .filter(Boolean)
    .join("\n");
