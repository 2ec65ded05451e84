// The catalogue of deliberate faults. Each is one small, explicit deviation from the spec (its
// descriptions and x-promises), switched on in server.ts where its name appears. `checks` are the
// check ids (engine/checks.ts) of which at least one must be among a run's findings for the mutant
// to count as caught for the right reason; `class` is the kind of fault.
type Mutation = { fault: string; class: string; checks: readonly string[] };

const CAUGHT_BY_THE_RUN = {
  // Wrong shapes, media types, statuses: what the response checks see on any answer.
  "upper-case-enums": { class: "shape", fault: "user status and role name in upper case", checks: ["response_schema"] },
  "missing-required-field": {
    class: "shape",
    fault: "users lack the required is_developer",
    checks: ["response_schema"],
  },
  "malformed-created-at": {
    class: "shape",
    fault: "created_at is not an RFC 3339 date-time",
    checks: ["response_schema"],
  },
  "missing-pagination": { class: "shape", fault: "list answers without pagination", checks: ["response_schema"] },
  "role-wrong-type": {
    class: "shape",
    fault: "role is a string instead of an assignment object",
    checks: ["response_schema"],
  },
  "role-no-branch": {
    class: "shape",
    fault: "a predefined role carries a custom role's id and no name",
    checks: ["response_schema"],
  },
  "next-cursor-on-last-page": {
    class: "shape",
    fault: "next_cursor present while has_more is false",
    checks: ["response_schema"],
  },
  "problem-status-mismatch": {
    class: "shape",
    fault: "Problem bodies say status 400 whatever the HTTP status",
    checks: ["response_schema"],
  },
  "text-plain-errors": { class: "media type", fault: "errors are text/plain", checks: ["content_type"] },
  "errors-as-json": {
    class: "media type",
    fault: "errors are application/json, not application/problem+json",
    checks: ["content_type"],
  },
  "malformed-json": { class: "media type", fault: "get answers a truncated JSON body", checks: ["response_schema"] },
  "undocumented-status": { class: "status", fault: "get of an unknown id answers 410", checks: ["status_documented"] },
  "500-for-unknown-id": { class: "status", fault: "get of an unknown id answers 500", checks: ["no_server_error"] },
  "retry-after-missing": {
    class: "headers",
    fault: "429 (every 40th request) without Retry-After",
    checks: ["required_headers"],
  },
  // Refusals: auth and invalid input.
  "credentials-ignored": { class: "auth", fault: "no key, or any key, is accepted", checks: ["auth_required"] },
  "invalid-input-accepted": {
    class: "validation",
    fault: "create accepts a body that breaks the schema",
    checks: ["negative_rejected"],
  },
  "limit-over-100-accepted": { class: "validation", fault: "limit=101 accepted", checks: ["negative_rejected"] },
  "blank-name-accepted": { class: "validation", fault: "update accepts a blank name", checks: ["negative_rejected"] },
  // 5xx on valid but unusual input.
  "500-on-non-ascii-name": {
    class: "5xx on unusual input",
    fault: "create answers 500 for a name with a non-ASCII character",
    checks: ["no_server_error"],
  },
  "500-on-plus-email": {
    class: "5xx on unusual input",
    fault: "create answers 500 for an email with a +tag",
    checks: ["no_server_error"],
  },
  "500-on-like-wildcard": {
    class: "5xx on unusual input",
    fault: "list answers 500 for an email filter holding % or _ (an SQL LIKE pattern built from input)",
    checks: ["no_server_error"],
  },
  "500-on-max-length-name": {
    class: "5xx on unusual input",
    fault: "update answers 500 for a name of exactly 255 characters",
    checks: ["no_server_error"],
  },
  "500-on-all-statuses": {
    class: "5xx on unusual input",
    fault: "list answers 500 when the status filter names all three statuses",
    checks: ["no_server_error"],
  },
  "500-on-id-with-slash": {
    class: "5xx on unusual input",
    fault: "get answers 500 for an id holding / or + (an unescaped path segment)",
    checks: ["no_server_error"],
  },
  // Broken promises of the list.
  "limit-ignored": {
    class: "pagination",
    fault: "list ignores limit and returns every user",
    checks: ["limit_respected"],
  },
  unsorted: { class: "order", fault: "list sorted newest first", checks: ["order_created_at"] },
  "sorted-by-name": { class: "order", fault: "list sorted by name, not by created_at", checks: ["order_created_at"] },
  "repeated-across-pages": {
    class: "pagination",
    fault: "the cursor repeats the last user of the previous page",
    checks: ["pagination_complete"],
  },
  "last-page-off-by-one": {
    class: "pagination",
    fault: "a last page of exactly one user is dropped (has_more false one page early)",
    checks: ["pagination_complete", "limit_respected"],
  },
  "short-pages": {
    class: "pagination",
    fault: "pages hold limit−1 users and still say has_more",
    checks: ["limit_respected", "pagination_complete"],
  },
  "cursor-skips-on-odd-limit": {
    class: "pagination",
    fault: "with an odd limit of 3 or more, the cursor skips one user at each page boundary",
    checks: ["pagination_complete"],
  },
  "status-filter-ignored": { class: "filter", fault: "status filter ignored", checks: ["filter_status"] },
  "status-filter-first-only": {
    class: "filter",
    fault: "a multi-value status filter keeps only its first value",
    checks: ["filter_status"],
  },
  "email-filter-case-sensitive": { class: "filter", fault: "email filter is case-sensitive", checks: ["filter_email"] },
  "email-filter-prefix": {
    class: "filter",
    fault: "email filter matches only at the start of the address",
    checks: ["filter_email"],
  },
  "email-filter-local-part": {
    class: "filter",
    fault: "email filter looks only at the part before @",
    checks: ["filter_email"],
  },
  "deleted-still-listed": {
    class: "filter",
    fault: "deleted users still appear in lists",
    checks: ["delete_final", "pagination_complete"],
  },
  // Broken promises of create, update, delete, resend, reset.
  "create-not-idempotent": {
    class: "idempotency",
    fault: "second create of an invited email makes a new user (201)",
    checks: ["create_idempotent"],
  },
  "create-ignores-developer-false": {
    class: "lost input",
    fault: "create stores is_developer true for admins and members whatever was sent",
    checks: ["create_reflects_request"],
  },
  "create-lowercases-email": {
    class: "lost input",
    fault: "create stores the email lower-cased",
    checks: ["create_reflects_request"],
  },
  "none-mode-invited": {
    class: "lost input",
    fault: "invite mode none gives an invited user, not an active one",
    checks: ["create_reflects_request"],
  },
  "temporary-password-leaked": {
    class: "secret",
    fault: "get and list echo the temporary password",
    checks: ["secret_not_echoed"],
  },
  "temporary-password-on-200": {
    class: "secret",
    fault: "a second create of an invited address echoes its temporary password",
    checks: ["secret_not_echoed", "create_idempotent"],
  },
  "update-touches-other-fields": {
    class: "lost update",
    fault: "renaming also flips is_developer",
    checks: ["update_persisted"],
  },
  "update-name-not-stripped": {
    class: "lost update",
    fault: "update keeps surrounding white space of name",
    checks: ["update_persisted"],
  },
  "update-not-stored": {
    class: "lost update",
    fault: "update of is_developer is answered but not stored",
    checks: ["update_persisted"],
  },
  "get-stale-after-update": {
    class: "lost update",
    fault: "get answers the user as created, not as updated",
    checks: ["update_persisted"],
  },
  "delete-not-idempotent": {
    class: "idempotency",
    fault: "deleting a deleted user answers 404",
    checks: ["delete_final"],
  },
  "delete-keeps-get": {
    class: "lost update",
    fault: "delete answers 204 but get still returns the user",
    checks: ["delete_final"],
  },
  "resend-any-status": {
    class: "state",
    fault: "resend answers 204 for a user who is not invited",
    checks: ["state_refusal"],
  },
  "reset-any-status": {
    class: "state",
    fault: "password reset answers 204 for an unverified (invited) user",
    checks: ["state_refusal"],
  },
} as const satisfies Record<string, Mutation>;

/**
 * Faults that only an unusual order of operations shows, or that break a clause nothing asserted
 * before: the fixed life (create → get → list → create again → update → get → resend/reset →
 * delete ×2 → get → list → create) and the read-only properties miss each of them; the model-based
 * sequences (engine/stateful.ts) catch them.
 */
export const SEQUENCE_MUTATIONS = {
  "default-limit-20": {
    class: "pagination",
    fault: "with limit omitted, a page holds 20 users, not 50 (the run's walks always send a limit)",
    checks: ["limit_respected"],
  },
  "create-again-answers-first-version": {
    class: "idempotency",
    fault:
      "a second create of an invited address answers 200 with the user as first created, not as it is now (a cached first answer)",
    checks: ["create_idempotent"],
  },
  "create-again-after-rename-201": {
    class: "idempotency",
    fault:
      "a second create for an invited user renamed since makes a new user (201): the invitation is looked up by email and the name it was sent to",
    checks: ["create_idempotent"],
  },
  "update-resurrects-deleted": {
    class: "terminal state",
    fault: "an update of a deleted user answers 200 and brings the user back (an upsert)",
    checks: ["delete_final"],
  },
  "conflict-restores-deleted": {
    class: "terminal state",
    fault: "a create with a deleted user's address answers 409 but restores the user first",
    checks: ["delete_final"],
  },
  "second-update-reverts-first": {
    class: "lost update",
    fault: "an update starts from the user as created, so a second update undoes the first",
    checks: ["update_persisted"],
  },
  "invited-filter-keeps-deleted": {
    class: "stale index",
    fault:
      "status=invited still lists users deleted while invited (an index of pending invitations that delete does not clear)",
    checks: ["delete_final"],
  },
} as const satisfies Record<string, Mutation>;

export const MUTATIONS = { ...CAUGHT_BY_THE_RUN, ...SEQUENCE_MUTATIONS } as const;

export type MutationName = keyof typeof MUTATIONS;

/** Every mutant: the run's proof must catch each. Those only a sequence shows are SEQUENCE_MUTATION_NAMES. */
export const MUTATION_NAMES = Object.keys(MUTATIONS) as MutationName[];

export const SEQUENCE_MUTATION_NAMES = Object.keys(SEQUENCE_MUTATIONS) as (keyof typeof SEQUENCE_MUTATIONS)[];

export function isMutationName(name: string): name is MutationName {
  return Object.hasOwn(MUTATIONS, name);
}
