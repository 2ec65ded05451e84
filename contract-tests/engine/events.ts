// What a run tells its listener while it runs (the command's progress line and run.log, the
// vitest suites' per-test verdicts and coverage, a team's own tooling). Every field is data; the
// API key is in none of them, and findings come redacted.
import type { Finding, FindingsRun } from "./findings.ts";
import type { Phase } from "./options.ts";

/** One thing the run does: the generated valid requests of one operation, a property, a user's life… */
export interface ScenarioInfo {
  /** Unique in a run, e.g. "listUsers: generated valid requests". */
  name: string;
  phase: Phase;
  /** The check ids it is for: it runs when one of them is selected (its findings may name others). */
  checks: readonly string[];
  /** The operation it exercises, when it is about one. */
  operation?: string | undefined;
}

/** How a scenario ended. */
export interface ScenarioOutcome {
  requests: number;
  /** Generated cases (values) it ran. */
  cases: number;
  findings: number;
  seconds: number;
  /** Why it did not run (writes not allowed, its checks not selected, the run stopped). */
  skipped?: string | undefined;
}

export type ConformanceEvent =
  | {
      type: "run-started";
      runId: string;
      seed: number;
      baseUrl: string;
      writes: boolean;
      /** Every scenario the run knows, in order (those that will be skipped too). */
      scenarios: ScenarioInfo[];
    }
  | { type: "scenario-started"; scenario: ScenarioInfo; index: number; total: number }
  | {
      type: "request";
      /** The scenario that sent it ("(run)" for the run's own: set-up and clean-up). */
      scenario: string;
      operationId: string;
      method: string;
      url: string;
      /** undefined: no answer (timeout, closed connection). */
      status: number | undefined;
      ms: number;
      /** Coverage keys a generated valid case reached (`enum query.status[]=active`, `branch body.role#0`). */
      covers?: string[] | undefined;
      /** The constraint id a generated invalid case breaks. */
      constraint?: string | undefined;
    }
  | { type: "finding"; scenario: string; finding: Finding }
  | { type: "scenario-finished"; scenario: ScenarioInfo; index: number; total: number; outcome: ScenarioOutcome }
  | { type: "run-finished"; report: FindingsRun };

export type ConformanceEventType = ConformanceEvent["type"];
