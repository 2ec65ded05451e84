// The end of a run: what was found, by operation and check, from the report runConformance
// returned (the object findings.json holds).
import type { ConformanceReport } from "../../engine/index.ts";

export interface Row {
  operation: string;
  check: string;
  problems: number;
  findings: number;
}

export interface Summary {
  findings: number;
  rows: Row[];
  /** Facts for the verdict line: checks that ran, requests, seconds, seed. */
  facts: string[];
  /** Lines to say before the verdict: a run stopped early, Prism's cross-check. */
  notes: string[];
}

type Reported = Pick<
  ConformanceReport,
  "findings" | "groups" | "checks" | "requests" | "seconds" | "seed" | "stopped" | "scenarios" | "crossCheck"
>;

function rowsOf(report: Reported): Row[] {
  const rows = new Map<string, Row>();
  const row = (operation: string, check: string) => {
    const key = `${operation}\0${check}`;
    if (!rows.has(key)) rows.set(key, { operation, check, problems: 0, findings: 0 });
    return rows.get(key)!;
  };
  for (const f of report.findings) row(f.operation, f.check).findings++;
  for (const g of report.groups) row(g.operation, g.check).problems++;
  return [...rows.values()].sort((a, b) => a.operation.localeCompare(b.operation) || a.check.localeCompare(b.check));
}

function notesOf(report: Reported): string[] {
  const notes: string[] = [];
  if (report.stopped) {
    const notRun = report.scenarios.filter((s) => s.skipped?.startsWith("not run")).length;
    notes.push(`Stopped early: ${report.stopped}; ${notRun} scenario(s) did not run.`);
  }
  const c = report.crossCheck;
  if (c)
    notes.push(
      `Prism's validating proxy saw ${c.answers} answers and flagged ${c.flaggedByPrism}, of which ${c.flaggedOnlyByPrism} no check of the engine flagged.`,
    );
  return notes;
}

export function summaryOf(report: Reported): Summary {
  return {
    findings: report.findings.length,
    rows: rowsOf(report),
    facts: [
      `${report.checks.filter((c) => c.ran).length} checks`,
      `${report.requests} requests`,
      `${report.seconds.toFixed(1)} s`,
      `seed ${report.seed}`,
    ],
    notes: notesOf(report),
  };
}

/** A plain-text table (fixed-width columns read well in a terminal and in CI logs). */
export function renderTable(rows: Row[]): string {
  const head: [string, string, string, string] = ["operation", "check", "problems", "findings"];
  const cells = rows.map((r) => [r.operation, r.check, String(r.problems), String(r.findings)]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i < 2 ? v.padEnd(width[i]!) : v.padStart(width[i]!)))
      .join("  ")
      .trimEnd();
  return [line(head), line(width.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
