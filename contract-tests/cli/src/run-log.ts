// run.log in the report directory: the run's events as plain lines, written as they happen (an
// interrupted run keeps what it did): the run, each scenario started and finished with its
// requests and seconds, each finding's one-line summary. Not every request: the reports hold those.
import { closeSync, openSync, writeSync } from "node:fs";
import type { ConformanceEvent, Finding } from "../../engine/index.ts";

export const RUN_LOG = "run.log";

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ");

function findingLine(f: Finding): string {
  const where = f.where ? ` at ${f.where}` : "";
  return `finding: ${f.severity} ${f.check} ${f.operation}${where}: ${oneLine(f.message)}`;
}

/** The line an event leaves in run.log, or undefined for the events it leaves out (requests). */
export function logLine(event: ConformanceEvent): string | undefined {
  switch (event.type) {
    case "run-started":
      return `run ${event.runId} started: ${event.baseUrl}, ${event.writes ? "writes allowed" : "read-only"}, seed ${event.seed}, ${event.scenarios.length} scenarios`;
    case "scenario-started":
      return `scenario ${event.index + 1}/${event.total} started: ${event.scenario.name}`;
    case "scenario-finished": {
      const { outcome: o, scenario, index, total } = event;
      const at = `scenario ${index + 1}/${total}`;
      if (o.skipped) return `${at} skipped: ${scenario.name} (${o.skipped})`;
      return `${at} finished: ${scenario.name}: ${o.requests} requests, ${o.cases} cases, ${o.findings} findings, ${o.seconds.toFixed(2)} s`;
    }
    case "finding":
      return findingLine(event.finding);
    case "run-finished": {
      const r = event.report;
      const how = r.interrupted ? "interrupted" : r.stopped ? `stopped early (${r.stopped})` : "finished";
      return `run ${r.runId} ${how}: ${r.requests} requests, ${r.findings.length} findings, ${r.seconds.toFixed(1)} s`;
    }
    default:
      return undefined;
  }
}

export interface RunLog {
  /** Writes a line (time since the log opened in front); the key, should it ever show up, redacted. */
  write(line: string): void;
  close(): void;
}

export function openRunLog(path: string, apiKey: string): RunLog {
  const fd = openSync(path, "w");
  const opened = Date.now();
  let closed = false;
  return {
    write(line) {
      if (closed) return;
      const at = `[${((Date.now() - opened) / 1000).toFixed(1).padStart(6)}s]`;
      writeSync(fd, `${at} ${line.split(apiKey).join("[REDACTED]")}\n`);
    },
    close() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}
