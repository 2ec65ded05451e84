// Which (operation, documented status) pairs the suite exercised. Tests run in worker processes,
// so each record is a line appended to a file the global setup owns and reads back at the end.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { responseKey, type Operation } from "./validator.ts";

export interface Hit { operationId: string; status: number }

export const recordHit = (file: string, hit: Hit): void => appendFileSync(file, `${JSON.stringify(hit)}\n`);

export const readHits = (file: string): Hit[] =>
  existsSync(file)
    ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Hit)
    : [];

export interface Coverage {
  rows: { operationId: string; cells: { status: string; hit: boolean }[] }[];
  gaps: string[]; // "createUser 409"
  markdown: string;
}

/** The operation × documented-status table, ✓ where exercised, ✗ where not, "·" where not documented. */
export function coverage(operations: Operation[], hits: Hit[]): Coverage {
  const seen = new Set(hits.flatMap((h) => {
    const op = operations.find((o) => o.operationId === h.operationId);
    const key = op && responseKey(op.statuses, h.status);
    return key ? [`${h.operationId} ${key}`] : [];
  }));
  const statuses = [...new Set(operations.flatMap((o) => o.statuses))].sort();
  const rows = operations.map((o) => ({
    operationId: o.operationId,
    cells: o.statuses.map((status) => ({ status, hit: seen.has(`${o.operationId} ${status}`) })),
  }));
  const gaps = rows.flatMap((r) => r.cells.filter((c) => !c.hit).map((c) => `${r.operationId} ${c.status}`));
  const lines = [
    `| operation | ${statuses.join(" | ")} |`,
    `|---|${statuses.map(() => ":-:").join("|")}|`,
    ...rows.map((r) => `| ${r.operationId} | ${statuses.map((s) => {
      const cell = r.cells.find((c) => c.status === s);
      return cell ? (cell.hit ? "✓" : "✗") : "·";
    }).join(" | ")} |`),
  ];
  const total = rows.reduce((n, r) => n + r.cells.length, 0);
  lines.push("", `${total - gaps.length}/${total} documented responses exercised (✓ exercised, ✗ never exercised, · not documented).`);
  if (gaps.length) lines.push("", `Never exercised: ${gaps.join(", ")}.`);
  return { rows, gaps, markdown: lines.join("\n") };
}
