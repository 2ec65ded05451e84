// Conformance mode, worker side: what the run may do (live, writes), the addresses it creates
// users with, and the findings it records. A test fails when it recorded findings (see
// `guardFindings`); the global teardown renders them into the reports.
import { appendFileSync } from "node:fs";
import { afterEach, beforeEach, expect, inject, onTestFailed } from "vitest";
import { check as checkOf } from "../engine/checks.ts";
import { toFinding, type Finding } from "../engine/findings.ts";
import type { Exchange, Failure } from "../engine/runner.ts";
import { API_KEY, target } from "../harness/context.ts";

export const live = target === "live";
export const writes = live && process.env.CONTRACT_ALLOW_WRITES === "1";
export const runId = inject("runId");
const findingsFile = inject("findingsFile");
const createdFile = inject("createdFile");
const started = inject("started");

/** Temporary passwords seen in answers: never to be written anywhere. */
const secrets = new Set<string>();
let current: Finding[] = [];

// CONTRACT_PROGRESS_FILE: JSON lines of where the run is, for a command that shows progress.
const progressFile = process.env.CONTRACT_PROGRESS_FILE;
const progress = { requests: 0, findings: 0, checksDone: 0, checksTotal: 0 };
const writeProgress = () => progressFile && appendFileSync(progressFile, `${JSON.stringify(progress)}\n`);
/** How many checks (tests) this run will do. */
export function expectChecks(n: number): void {
  progress.checksTotal = n;
  writeProgress();
}

/** Every final answer of the session: secrets noted, users a create made remembered for the teardown. */
export function onAnswer(operationId: string, answer: Exchange): void {
  if (++progress.requests % 25 === 0) writeProgress();
  const json = answer.json as { id?: unknown; temporary_password?: unknown } | undefined;
  if (typeof json?.temporary_password === "string" && json.temporary_password) secrets.add(json.temporary_password);
  if (operationId === "createUser" && answer.status < 300 && typeof json?.id === "string" && createdFile)
    appendFileSync(createdFile, `${JSON.stringify(json.id)}\n`);
}

/** Records failures as findings (redacted on the way in) for this test and the run's report. */
export function report(failures: Failure[]): void {
  for (const f of failures) {
    const finding = toFinding(f, checkOf(f.check), { apiKey: API_KEY, secrets, started });
    current.push(finding);
    progress.findings++;
    if (findingsFile) appendFileSync(findingsFile, `${JSON.stringify({ type: "finding", ...finding })}\n`);
  }
}

/** How many generated cases a test sent (the report's case count). */
export function countCases(n: number): void {
  if (findingsFile) appendFileSync(findingsFile, `${JSON.stringify({ type: "cases", n })}\n`);
}

/** Checks that cannot run in a read-only run are listed in the report. */
export function skipped(name: string): void {
  if (findingsFile) appendFileSync(findingsFile, `${JSON.stringify({ type: "skipped", check: name })}\n`);
}

/**
 * Call inside a describe: each test fails when it recorded findings, and a test that failed any
 * other way (threw on an unexpected answer) becomes a finding too, so the report never says PASS
 * for a failing run.
 */
export function guardFindings(): void {
  let hadFindings = false;
  beforeEach(() => {
    onTestFailed(({ task }) => {
      if (hadFindings) return;
      const why = (task.result?.errors ?? []).map((e) => e.message).join("; ") || "failed";
      report([
        {
          check: "run_completed",
          operation: "(run)",
          message: `The check "${task.name}" could not complete: ${why}`,
          seed: inject("seed"),
          replayPath: "",
          shrunk: false,
          count: 1,
          atMs: Date.now() - started,
        },
      ]);
    });
  });
  afterEach(() => {
    const found = current;
    current = [];
    progress.checksDone++;
    writeProgress();
    hadFindings = found.length > 0;
    expect(
      found.map((f) => `${f.check} (${f.operation}${f.where ? ` at ${f.where}` : ""}): ${f.message}`),
      "conformance findings",
    ).toEqual([]);
  });
}

let serial = 0;
/** A fresh address on example.com carrying the run id (the clean-up sweep looks for it). */
export const newEmail = (tag: string) => `conformance.${runId}.${++serial}.${tag}@example.com`;
