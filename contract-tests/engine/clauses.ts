// Clauses: the unit the behavioural checks work in. Each x-promises entry of the spec is split into
// clauses (`limit_respected.default_limit`: "with `limit` omitted, a page holds at most 50 users…"),
// every violation names the clause it breaks, and every clause has at least one assertion: the
// registry below says which function asserts which clauses, and clauses.test.ts fails when a
// clause of the spec has none, when an assertion cites a clause the spec lacks, or when an
// assertion never fires on a broken input. A run counts how often it asserted each clause (a
// ClauseTally), which the coverage report shows as a table (renderClauseTable).
import type { Exchange, Observation, WireRequest } from "./runner.ts";
import type { Api } from "./spec.ts";

/** `<check id>.<clause>`, e.g. `limit_respected.default_limit`. */
export type ClauseId = `${string}.${string}`;

/** The check a clause belongs to: `limit_respected` for `limit_respected.default_limit`. */
export const checkOfClause = (clause: ClauseId): string => clause.slice(0, clause.indexOf("."));

/** One command of a sequence, as a finding shows it: what it was, the request it sent, the answer's status. */
export interface Step {
  label: string;
  request: WireRequest;
  status?: number | undefined;
}

/** An observation that names the clause it breaks, and (from a sequence of operations) the steps that led to it. */
export type ClauseObservation = Observation;

/** How many times each clause was asserted (held or not) during a run: the coverage report's counts. */
export class ClauseTally {
  private readonly counts = new Map<string, number>();

  add(...clauses: ClauseId[]): void {
    for (const c of clauses) this.counts.set(c, (this.counts.get(c) ?? 0) + 1);
  }

  count(clause: string): number {
    return this.counts.get(clause) ?? 0;
  }

  /** Every clause asserted at least once, with its count. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** A broken clause as an observation of its check. */
export function breach(
  clause: ClauseId,
  operation: string,
  message: string,
  exchange?: Exchange,
  where?: string,
): ClauseObservation {
  return { check: checkOfClause(clause), clause, operation, message, exchange, where };
}

/**
 * One clause asserted once: counted in `tally`; when it does not hold, the observation that says
 * so (the message is built only then).
 */
export function claim(
  tally: ClauseTally | undefined,
  clause: ClauseId,
  holds: boolean,
  broken: () => { operation: string; message: string; exchange?: Exchange | undefined; where?: string },
): ClauseObservation[] {
  tally?.add(clause);
  if (holds) return [];
  const b = broken();
  return [breach(clause, b.operation, b.message, b.exchange, b.where)];
}

/** An assertion: a function of the engine (its name) and the clauses it asserts. */
export interface Assertion {
  id: string;
  clauses: readonly ClauseId[];
}

/**
 * The registry: every function that asserts clauses, with the clauses it asserts. Keep it in step
 * with the code: clauses.test.ts fires each assertion on a broken input and checks that the
 * clauses it reports are the ones listed here, and that together they are the spec's clauses.
 */
export const ASSERTIONS: readonly Assertion[] = [
  // properties.ts: over the pages of one walk of the list.
  {
    id: "checkLimit",
    clauses: ["limit_respected.at_most_limit", "limit_respected.full_when_more", "limit_respected.default_limit"],
  },
  { id: "checkNoRepeats", clauses: ["pagination_complete.no_repeats"] },
  { id: "cursorProblem", clauses: ["pagination_complete.ends"] },
  { id: "baseline", clauses: ["pagination_complete.ends"] },
  { id: "checkOrder", clauses: ["order_created_at.oldest_first"] },
  { id: "checkNoSecretListed", clauses: ["secret_not_echoed.not_in_list"] },
  // properties.ts: a walk against the baseline's users; an unknown id.
  { id: "checkExactly", clauses: ["pagination_complete.same_users_any_limit", "filter_email.exact"] },
  { id: "checkStatusFilter", clauses: ["filter_status.exact", "filter_status.omitted_all"] },
  { id: "checkUnknownId", clauses: ["unknown_id_404.unknown_id"] },
  // judges.ts: one user's answers against what the user should be.
  {
    id: "judgeCreated",
    clauses: [
      "create_reflects_request.fields_sent",
      "create_reflects_request.developer_default",
      "create_reflects_request.status_by_mode",
      "create_reflects_request.temporary_password",
      "secret_not_echoed.only_its_201",
    ],
  },
  {
    id: "judgeRead",
    clauses: [
      "secret_not_echoed.not_in_get",
      "create_reflects_request.fields_sent",
      "create_reflects_request.developer_default",
      "create_reflects_request.status_by_mode",
      "update_persisted.fields_sent",
      "update_persisted.name_stripped",
      "update_persisted.others_unchanged",
      "get_matches_list.same_fields",
    ],
  },
  {
    id: "judgeUpdated",
    clauses: ["update_persisted.fields_sent", "update_persisted.name_stripped", "update_persisted.others_unchanged"],
  },
  {
    id: "judgeCreatedAgain",
    clauses: [
      "create_idempotent.invited_200",
      "create_idempotent.active_409",
      "create_idempotent.deleted_409",
      "delete_final.create_409",
      "secret_not_echoed.only_its_201",
    ],
  },
  { id: "judgeDeleted", clauses: ["delete_final.twice_204"] },
  { id: "judgeGone", clauses: ["delete_final.get_404"] },
  { id: "judgeStateRefusal", clauses: ["state_refusal.resend_not_invited", "state_refusal.reset_unverified"] },
  // judges.ts: a walk against the users the judge knows (the model's, or the life's one user).
  {
    id: "judgeListing",
    clauses: [
      "create_reflects_request.listed",
      "delete_final.not_listed",
      "get_matches_list.same_fields",
      "filter_status.exact",
      "filter_email.exact",
      "pagination_complete.same_users_any_limit",
    ],
  },
];

/** One clause of the spec, with the operations whose x-promises make it. */
export interface SpecClause {
  id: ClauseId;
  check: string;
  text: string;
  operations: string[];
}

/** Every clause of the spec, in the spec's order; a clause several operations make is listed once. */
export function specClauses(api: Api): SpecClause[] {
  const byId = new Map<string, SpecClause>();
  for (const o of api.operations)
    for (const [id, text] of Object.entries(o.clauses)) {
      const seen = byId.get(id);
      if (seen) seen.operations.push(o.operationId);
      else
        byId.set(id, { id: id as ClauseId, check: checkOfClause(id as ClauseId), text, operations: [o.operationId] });
    }
  return [...byId.values()];
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

/**
 * The coverage report's clause table: each clause of the spec, the operations that make it, how
 * many times the run asserted it (✗ for never), and a line naming the clauses never asserted.
 */
export function renderClauseTable(counts: Record<string, number>, clauses: readonly SpecClause[]): string {
  const never = clauses.filter((c) => !counts[c.id]);
  return [
    `Clauses asserted: ${clauses.length - never.length} of ${clauses.length}.`,
    "",
    "| clause | operations | the promise | asserted |",
    "|---|---|---|--:|",
    ...clauses.map(
      (c) =>
        `| ${c.id} | ${c.operations.join(", ")} | ${cell(c.text)} | ${counts[c.id] ? `${counts[c.id]} ✓` : "0 ✗"} |`,
    ),
    ...(never.length ? ["", `Never asserted: ${never.map((c) => c.id).join(", ")}.`] : []),
  ].join("\n");
}
