// The catalogue of deliberate faults. Each is one small, explicit deviation from
// the spec or the facts sheet, switched on in server.ts where its name appears.
// `detects` is what the conformance report must say for the mutant to count as
// caught for the right reason (matched against reports/conformance.md).
export const MUTATIONS = {
  "upper-case-enums": { fault: "user status and role name in upper case", detects: /ACTIVE|INVITED|EXPIRED|must be equal to one of the allowed values/ },
  "missing-required-field": { fault: "users lack the required is_developer", detects: /is_developer/ },
  "malformed-created-at": { fault: "created_at is not an RFC 3339 date-time", detects: /created_at|date-time/ },
  "missing-pagination": { fault: "list answers without pagination", detects: /pagination/ },
  "text-plain-errors": { fault: "errors are text/plain", detects: /text\/plain/ },
  "undocumented-status": { fault: "get of an unknown id answers 410", detects: /410/ },
  "credentials-ignored": { fault: "no key, or any key, is accepted", detects: /401/ },
  "invalid-input-accepted": { fault: "create accepts a body that breaks the schema", detects: /createUser[\s\S]*(2\d\d|accepted)/ },
  "limit-ignored": { fault: "list ignores limit and returns every user", detects: /limit/ },
  "500-for-unknown-id": { fault: "get of an unknown id answers 500", detects: /500/ },
  "role-wrong-type": { fault: "role is a string instead of an assignment object", detects: /role/ },
  "role-no-branch": { fault: "a predefined role carries a custom role's fields (id) and no name", detects: /role/ },
  "next-cursor-on-last-page": { fault: "next_cursor present while has_more is false", detects: /next_cursor|pagination/ },
  "unsorted": { fault: "list sorted newest first", detects: /sorted|created_at/ },
  "repeated-across-pages": { fault: "the cursor repeats the last user of the previous page", detects: /twice|repeated/ },
  "status-filter-ignored": { fault: "status filter ignored", detects: /status filter/ },
  "email-filter-case-sensitive": { fault: "email filter is case-sensitive", detects: /email filter/ },
  "create-not-idempotent": { fault: "second create of an invited email makes a new user (201)", detects: /idempot/ },
  "delete-not-idempotent": { fault: "deleting a deleted user answers 404", detects: /delete[\s\S]*(again|idempot)/i },
  "deleted-still-listed": { fault: "deleted users still appear in lists", detects: /gone from|still listed/ },
  "problem-status-mismatch": { fault: "Problem bodies say status 400 whatever the HTTP status", detects: /status/ },
  "temporary-password-leaked": { fault: "get and list echo the temporary password", detects: /temporary_password/ },
  "update-touches-other-fields": { fault: "renaming also resets is_developer", detects: /only what was sent|is_developer/ },
  "update-name-not-stripped": { fault: "update keeps surrounding white space of name", detects: /strip/ },
  "blank-name-accepted": { fault: "update accepts a blank name", detects: /blank/ },
  "resend-any-status": { fault: "resend answers 204 for a user who is not invited", detects: /resend/i },
  "limit-over-100-accepted": { fault: "limit=101 accepted", detects: /limit=101/ },
} as const satisfies Record<string, { fault: string; detects: RegExp }>;

export type MutationName = keyof typeof MUTATIONS;

export const MUTATION_NAMES = Object.keys(MUTATIONS) as MutationName[];

export function isMutationName(name: string): name is MutationName {
  return Object.hasOwn(MUTATIONS, name);
}
