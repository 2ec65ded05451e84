// What a run exercised: the operation × documented-status table, and the constraint table (each
// request constraint broken by a negative case, each enum value and branch reached by a positive
// one). The run collects hits from its requests; the mock suite also fails on gaps.
import { constraintsOf, coverageKeys } from "./generate.ts";
import { responseKey } from "./response-checks.ts";
import type { Api, SpecOperation } from "./spec.ts";

export interface Hit {
  operationId: string;
  status: number;
}
/** A negative case sent for a constraint (its id), or a positive case that reached an enum value or branch (its key). */
export type GeneratedHit = { constraint: string } | { reached: string };

export interface ConstraintCoverage {
  gaps: string[];
  markdown: string;
  rows: { operationId: string; constraints: [number, number]; values: [number, number] }[];
}

/**
 * The constraint table: every request constraint of the spec must have been broken by at least one
 * negative case, every enum value and oneOf/anyOf branch reached by at least one positive case.
 */
export function constraintCoverage(
  operations: string[],
  constraints: { id: string; operationId: string }[],
  reachable: { key: string; operationId: string }[],
  hits: GeneratedHit[],
): ConstraintCoverage {
  const broken = new Set(hits.flatMap((h) => ("constraint" in h ? [h.constraint] : [])));
  const reached = new Set(hits.flatMap((h) => ("reached" in h ? [h.reached] : [])));
  const rows = operations.map((operationId) => {
    const cs = constraints.filter((c) => c.operationId === operationId);
    const ks = reachable.filter((k) => k.operationId === operationId);
    return {
      operationId,
      constraints: [cs.filter((c) => broken.has(c.id)).length, cs.length] as [number, number],
      values: [ks.filter((k) => reached.has(k.key)).length, ks.length] as [number, number],
    };
  });
  const gaps = [
    ...constraints.filter((c) => !broken.has(c.id)).map((c) => `constraint never broken: ${c.id}`),
    ...reachable.filter((k) => !reached.has(k.key)).map((k) => `never reached: ${k.key}`),
  ];
  const cell = ([hit, all]: [number, number]) => (all === 0 ? "·" : `${hit}/${all}${hit === all ? " ✓" : " ✗"}`);
  const lines = [
    "| operation | constraints broken by a negative case | enum values and branches reached by a positive case |",
    "|---|:-:|:-:|",
    ...rows.map((r) => `| ${r.operationId} | ${cell(r.constraints)} | ${cell(r.values)} |`),
    "",
    "| constraint | broken |",
    "|---|:-:|",
    ...constraints.map((c) => `| ${c.id} | ${broken.has(c.id) ? "✓" : "✗"} |`),
  ];
  if (gaps.length) lines.push("", `Gaps: ${gaps.join("; ")}.`);
  return { gaps, markdown: lines.join("\n"), rows };
}

export interface Coverage {
  rows: { operationId: string; cells: { status: string; hit: boolean }[] }[];
  gaps: string[]; // "createUser 409"
  markdown: string;
}

/** The operation × documented-status table, ✓ where exercised, ✗ where not, "·" where not documented. */
export function coverage(operations: Pick<SpecOperation, "operationId" | "statuses">[], hits: Hit[]): Coverage {
  const seen = new Set(
    hits.flatMap((h) => {
      const op = operations.find((o) => o.operationId === h.operationId);
      const key = op && responseKey(op.statuses, h.status);
      return key ? [`${h.operationId} ${key}`] : [];
    }),
  );
  const statuses = [...new Set(operations.flatMap((o) => o.statuses))].sort();
  const rows = operations.map((o) => ({
    operationId: o.operationId,
    cells: o.statuses.map((status) => ({ status, hit: seen.has(`${o.operationId} ${status}`) })),
  }));
  const gaps = rows.flatMap((r) => r.cells.filter((c) => !c.hit).map((c) => `${r.operationId} ${c.status}`));
  const lines = [
    `| operation | ${statuses.join(" | ")} |`,
    `|---|${statuses.map(() => ":-:").join("|")}|`,
    ...rows.map(
      (r) =>
        `| ${r.operationId} | ${statuses
          .map((s) => {
            const cell = r.cells.find((c) => c.status === s);
            return cell ? (cell.hit ? "✓" : "✗") : "·";
          })
          .join(" | ")} |`,
    ),
  ];
  const total = rows.reduce((n, r) => n + r.cells.length, 0);
  lines.push(
    "",
    `${total - gaps.length}/${total} documented responses exercised (✓ exercised, ✗ never exercised, · not documented).`,
  );
  if (gaps.length) lines.push("", `Never exercised: ${gaps.join(", ")}.`);
  return { rows, gaps, markdown: lines.join("\n") };
}

/** Both tables for a run (and the clause table, when given), and the Markdown coverage.md holds. */
export function coverageReport(
  api: Api,
  hits: Hit[],
  generated: GeneratedHit[],
  title: string,
  seed: number,
  extra: { clauses?: string } = {},
) {
  const statuses = coverage(api.operations, hits);
  const operations = api.operations.map((o) => o.operationId);
  const all = constraintsOf(api.doc);
  const reachable = operations.flatMap((operationId) => {
    const keys = coverageKeys(api.doc, operationId);
    return [...keys.enumValues, ...keys.branches].map((key) => ({ key: `${operationId} ${key}`, operationId }));
  });
  const constraints = constraintCoverage(
    operations,
    all.filter((c) => !c.unsendable),
    reachable,
    generated,
  );
  const unsendable = all.filter((c) => c.unsendable).map((c) => `- ${c.id}: ${c.unsendable}`);
  const tables = [
    statuses.markdown,
    "",
    `### Constraints (seed ${seed})`,
    "",
    constraints.markdown,
    ...(unsendable.length
      ? ["", "Constraints no single request can break on the wire (no negative case):", "", ...unsendable]
      : []),
    ...(extra.clauses ? ["", "### Clauses of the promises (x-promises)", "", extra.clauses] : []),
  ].join("\n");
  return { statuses, constraints, tables, markdown: `# ${title}\n\n${tables}\n` };
}
