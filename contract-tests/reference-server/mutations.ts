// The catalogue of deliberate faults. Each is one small, explicit deviation from
// the spec or the facts sheet, switched on in server.ts where its name appears.
// `detects` is what the findings of the conformance report must say for the mutant
// to count as caught for the right reason (a check name or a validator message).
export const MUTATIONS = {
  "upper-case-enums": { fault: "user status and role name in upper case", detects: /status must be equal to one of the allowed values/ },
  "missing-required-field": { fault: "users lack the required is_developer", detects: /must have required property 'is_developer'/ },
  "malformed-created-at": { fault: "created_at is not an RFC 3339 date-time", detects: /created_at must match format "date-time"/ },
  "missing-pagination": { fault: "list answers without pagination", detects: /must have required property 'pagination'/ },
  "text-plain-errors": { fault: "errors are text/plain", detects: /content-type "text\/plain" is not documented/ },
  "errors-as-json": { fault: "errors are application/json, not application/problem+json", detects: /content-type "application\/json" is not documented/ },
  "malformed-json": { fault: "get answers a truncated JSON body", detects: /body is not valid JSON/ },
  "undocumented-status": { fault: "get of an unknown id answers 410", detects: /status 410 is not documented/ },
  "credentials-ignored": { fault: "no key, or any key, is accepted", detects: /(no credentials|a bogus key) → 401/ },
  "invalid-input-accepted": { fault: "create accepts a body that breaks the schema", detects: /invalid input accepted: (name|email|role|invite_mode)/ },
  "limit-ignored": { fault: "list ignores limit and returns every user", detects: /limit is respected/ },
  "500-for-unknown-id": { fault: "get of an unknown id answers 500", detects: /status 500 is not documented/ },
  "role-wrong-type": { fault: "role is a string instead of an assignment object", detects: /role must be object/ },
  "role-no-branch": { fault: "a predefined role carries a custom role's id and no name", detects: /role must have required property 'name'/ },
  "next-cursor-on-last-page": { fault: "next_cursor present while has_more is false", detects: /next_cursor boolean schema is false/ },
  "unsorted": { fault: "list sorted newest first", detects: /sorted by created_at/ },
  "repeated-across-pages": { fault: "the cursor repeats the last user of the previous page", detects: /no user twice/ },
  "status-filter-ignored": { fault: "status filter ignored", detects: /status filter applied/ },
  "email-filter-case-sensitive": { fault: "email filter is case-sensitive", detects: /email filter applied/ },
  "create-not-idempotent": { fault: "second create of an invited email makes a new user (201)", detects: /create is idempotent on email/ },
  "delete-not-idempotent": { fault: "deleting a deleted user answers 404", detects: /delete again → 204/ },
  "deleted-still-listed": { fault: "deleted users still appear in lists", detects: /gone from lists/ },
  "problem-status-mismatch": { fault: "Problem bodies say status 400 whatever the HTTP status", detects: /status must be equal to constant/ },
  "temporary-password-leaked": { fault: "get and list echo the temporary password", detects: /temporary_password never shown again/ },
  "update-touches-other-fields": { fault: "renaming also flips is_developer", detects: /update changes only what was sent/ },
  "update-name-not-stripped": { fault: "update keeps surrounding white space of name", detects: /name is stripped/ },
  "blank-name-accepted": { fault: "update accepts a blank name", detects: /invalid input accepted: a blank name/ },
  "resend-any-status": { fault: "resend answers 204 for a user who is not invited", detects: /resend on a non-invited user → 400/ },
  "retry-after-missing": { fault: "429 (every 40th request) without Retry-After", detects: /Retry-After is required but missing/ },
  "limit-over-100-accepted": { fault: "limit=101 accepted", detects: /invalid input accepted: limit=101/ },
} as const satisfies Record<string, { fault: string; detects: RegExp }>;

export type MutationName = keyof typeof MUTATIONS;

export const MUTATION_NAMES = Object.keys(MUTATIONS) as MutationName[];

export function isMutationName(name: string): name is MutationName {
  return Object.hasOwn(MUTATIONS, name);
}
