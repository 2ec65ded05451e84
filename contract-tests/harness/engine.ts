// What test files of the generated part use, mock and live alike: the run's settings (seed and
// budget from the global setup), one engine session on this run's target, and coverage records
// of the constraints broken and the values reached.
import { inject } from "vitest";
import { selectedChecks } from "../engine/checks.ts";
import { curlFor } from "../engine/findings.ts";
import { checkResponse } from "../engine/response-checks.ts";
import { settingsFromEnv, type Failure, type Settings } from "../engine/runner.ts";
import { createSession } from "../engine/session.ts";
import { loadApi } from "../engine/spec.ts";
import { TAP_ID_HEADER } from "../conformance/tap.ts";
import { onAnswer } from "../conformance/conform.ts";
import { recordHit } from "./coverage.ts";
import { API_KEY, prismUrl, record, target, upstreamUrl } from "./context.ts";

export const api = await loadApi();
export const selected = selectedChecks();

/** The run's settings; `defaults` are per file (the mock can afford more cases than a live server). */
export const settings = (defaults: { runs: number; concurrency: number }): Settings =>
  settingsFromEnv({ ...process.env, CONTRACT_SEED: String(inject("seed")) }, defaults, inject("started"));

export const session = createSession({
  target,
  prismUrl,
  upstreamUrl,
  tapUrl: inject("tapUrl"),
  tapHeader: TAP_ID_HEADER,
  apiKey: API_KEY,
  checkResponse: (operationId, answer) => checkResponse(api, operationId, answer),
  selected,
  onAnswer(operationId, answer) {
    record(operationId, answer.status); // the status coverage table, and the run's request count
    if (target === "live") onAnswer(operationId, answer);
  },
});

const coverageFile = inject("coverageFile");
export const recordBroken = (constraint: string): void => recordHit(coverageFile, { constraint });
export const recordReached = (operationId: string, keys: string[]): void => {
  for (const key of keys) recordHit(coverageFile, { reached: `${operationId} ${key}` });
};

/** A failure as a test failure message: what, where, how to replay, and the curl. */
export const describeFailure = (f: Failure): string =>
  [
    `${f.check} (${f.operation}${f.where ? ` at ${f.where}` : ""}, ${f.count} case(s)${f.shrunk ? ", shrunk" : ""}): ${f.message}`,
    f.exchange ? `  answer: ${f.exchange.status} ${f.exchange.body.slice(0, 300)}` : "",
    f.exchange ? `  ${curlFor(f.exchange.request, API_KEY)}` : "",
    `  replay: CONTRACT_SEED=${f.seed}`,
  ]
    .filter(Boolean)
    .join("\n");
