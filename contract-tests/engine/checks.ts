// The registry of checks: every finding names one of these ids. A check's rule lives in the spec
// (`source`, a JSON pointer; `{op}` stands for each operation it applies to), so a clone of this
// repo holds its own source of truth. Behavioural checks apply to the operations whose
// x-promises name them; checks.test.ts keeps registry and spec in step both ways.
import type { Api } from "./spec.ts";

export type Severity = "error" | "warning";
export type CheckKind = "response" | "request" | "property" | "run";

export interface Check {
  id: string;
  title: string;
  severity: Severity;
  kind: CheckKind;
  /** Where the rule is written in openapi/users.yaml. */
  source: string;
}

const response = (id: string, title: string, source = "{op}/responses"): Check => ({
  id,
  title,
  severity: "error",
  kind: "response",
  source,
});
const request = (id: string, title: string, source: string): Check => ({
  id,
  title,
  severity: "error",
  kind: "request",
  source,
});
const promise = (id: string, title: string): Check => ({
  id,
  title,
  severity: "error",
  kind: "property",
  source: `{op}/x-promises/${id}`,
});

export const CHECKS: readonly Check[] = [
  response("no_server_error", "no 5xx (none is documented)"),
  response("status_documented", "the status is documented for the operation"),
  response("content_type", "the body has a documented media type (or no body where none is documented)"),
  response("response_schema", "the body matches the documented schema"),
  response("required_headers", "documented required headers are present and valid"),
  response("server_answers", "every request gets an answer: within the request timeout, not a closed connection"),
  response("prism_violation", "Prism's validating proxy reports no violation", "{op}"),
  request("positive_accepted", "a valid request is answered 2xx (or a status its x-may-refuse allows)", "{op}"),
  request("negative_rejected", "a request breaking one constraint gets a documented 4xx", "{op}"),
  request("auth_required", "no credentials, or a bad key, gets 401", "#/components/securitySchemes/bearerAuth"),
  promise("unknown_id_404", "a well-formed unknown id gets 404"),
  promise("get_matches_list", "get returns a user as the list shows it"),
  promise("limit_respected", "pages respect limit"),
  promise("pagination_complete", "pagination yields every user once, whatever the limit"),
  promise("order_created_at", "sorted by created_at, oldest first"),
  promise("filter_status", "status filter returns exactly the users in those statuses"),
  promise("filter_email", "email filter returns exactly the case-insensitive substring matches"),
  promise("create_reflects_request", "create returns, stores and lists what was sent"),
  promise("create_idempotent", "create is idempotent on email"),
  promise("secret_not_echoed", "temporary_password only in the 201 of its invite mode"),
  promise("update_persisted", "update persists what was sent and nothing else"),
  promise("delete_final", "delete is idempotent and final"),
  promise("state_refusal", "state-dependent refusals (resend, reset) answer 400"),
  // The run itself: a check that could not finish, users the run could not delete.
  { id: "run_completed", title: "every check ran to its end", severity: "error", kind: "run", source: "#/info" },
  {
    id: "cleanup",
    title: "every user the run created was deleted",
    severity: "error",
    kind: "run",
    source: "#/paths/~1v2~1users~1{user_id}/delete",
  },
];

const byId = new Map(CHECKS.map((c) => [c.id, c]));

export function check(id: string): Check {
  const found = byId.get(id);
  if (!found) throw new Error(`unknown check id "${id}"; known: ${CHECKS.map((c) => c.id).join(", ")}`);
  return found;
}

/** The operations a check applies to: every one, those whose x-promises name it, or none (the run's own). */
export function operationsOf(c: Check, api: Api): string[] {
  if (c.kind === "run") return [];
  if (c.kind !== "property")
    return api.operations.filter((o) => c.id !== "auth_required" || o.secured).map((o) => o.operationId);
  return api.operations.filter((o) => c.id in o.promises).map((o) => o.operationId);
}

/** `source` with `{op}` resolved for one operation. */
export function sourceOf(c: Check, api: Api, operationId: string): string {
  return c.source.replace("{op}", api.operation(operationId).pointer);
}

/** An unknown check id, with the known ones. */
export class UnknownCheck extends Error {
  constructor(readonly id: string) {
    super(`unknown check id "${id}"; known: ${CHECKS.map((c) => c.id).join(", ")}`);
  }
}

/** The check ids that run: `only` (all when empty or absent) less `skip`. Unknown ids throw UnknownCheck. */
export function selectChecks(only: readonly string[] = [], skip: readonly string[] = []): Set<string> {
  for (const id of [...only, ...skip]) if (!byId.has(id)) throw new UnknownCheck(id);
  const skipped = new Set(skip);
  return new Set((only.length ? only : CHECKS.map((c) => c.id)).filter((id) => !skipped.has(id)));
}
