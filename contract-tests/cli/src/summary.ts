// The end of a run: what was found, by operation and check, read from findings.json (the
// engine's data, contract-tests/engine/README.md).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Row {
  operation: string;
  check: string;
  problems: number;
  findings: number;
}

export interface Summary {
  findings: number;
  rows: Row[];
  /** Extra facts for the header line (requests, seconds, seed, checks), when known. */
  facts: string[];
}

interface FindingsJson {
  seed?: number;
  seconds?: number;
  requests?: number;
  checks?: { id: string; ran?: boolean }[];
  findings?: { check: string; operation: string }[];
  groups?: { check: string; operation: string; count?: number }[];
}

function fromJson(data: FindingsJson): Summary {
  const rows = new Map<string, Row>();
  const row = (operation: string, check: string) => {
    const key = `${operation}\0${check}`;
    if (!rows.has(key)) rows.set(key, { operation, check, problems: 0, findings: 0 });
    return rows.get(key)!;
  };
  for (const f of data.findings ?? []) row(f.operation, f.check).findings++;
  for (const g of data.groups ?? []) row(g.operation, g.check).problems++;
  const facts = [
    data.checks && `${data.checks.filter((c) => c.ran !== false).length} checks`,
    data.requests !== undefined && `${data.requests} requests`,
    data.seconds !== undefined && `${data.seconds.toFixed(1)} s`,
    data.seed !== undefined && `seed ${data.seed}`,
  ].filter((f): f is string => typeof f === "string");
  return { findings: data.findings?.length ?? 0, rows: sorted([...rows.values()]), facts };
}

const sorted = (rows: Row[]) =>
  rows.sort((a, b) => a.operation.localeCompare(b.operation) || a.check.localeCompare(b.check));

/** The summary of the run whose reports are in `dir`; undefined when the engine wrote no findings.json. */
export function readSummary(dir: string): Summary | undefined {
  const json = join(dir, "findings.json");
  if (!existsSync(json)) return undefined;
  try {
    return fromJson(JSON.parse(readFileSync(json, "utf8")) as FindingsJson);
  } catch (err) {
    throw new Error(`findings.json in ${dir} is not valid JSON: ${(err as Error).message}`);
  }
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
