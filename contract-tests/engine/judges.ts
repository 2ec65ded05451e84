// One user's answers judged against what the spec says the user is: the 201 of a create, a read
// by id, an update, a second create with the same email, a delete, the state-dependent refusals.
// The user's fixed life (properties.ts) and the model-based sequences (stateful.ts) both judge
// with these. Each returns the clauses the answer breaks, as observations, and counts the
// clauses it asserted (clauses.ts).
import { isDeepStrictEqual } from "node:util";
import { claim, type ClauseId, type ClauseObservation, type ClauseTally } from "./clauses.ts";
import type { Walk } from "./properties.ts";
import type { Exchange } from "./runner.ts";

export interface User {
  id: string;
  name: string;
  email: string;
  created_at: string;
  status: string;
  role: unknown;
  is_developer: boolean;
  [k: string]: unknown;
}

export interface CreateBody {
  name: string;
  email: string;
  role: { type: string; name?: string; id?: string };
  invite_mode: string;
  is_developer?: boolean;
}
export interface UpdateBody {
  name?: string;
  is_developer?: boolean;
}

/** The name as update stores it: surrounding white space stripped. */
export const stripped = (name: string): string => name.replace(/^\s+|\s+$/g, "");

/**
 * The expected view of a user after create: what was sent, defaults applied. A custom role is
 * compared by type and id only (the answer may add its read-only name).
 */
export function expectedFromCreate(body: CreateBody): Record<string, unknown> {
  const predefined = body.role.type === "predefined";
  return {
    name: body.name,
    email: body.email,
    ...(predefined ? { role: { type: "predefined", name: body.role.name } } : {}),
    is_developer: body.is_developer ?? (predefined && body.role.name !== "annotator"),
    status: body.invite_mode === "none" ? "active" : "invited",
  };
}

/** The user an update must leave: what was sent (name stripped) over the user as it was. */
export const expectedFromUpdate = (before: User, body: UpdateBody): User => ({
  ...before,
  ...(body.name === undefined ? {} : { name: stripped(body.name) }),
  ...(body.is_developer === undefined ? {} : { is_developer: body.is_developer }),
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Fields of `got` that differ from `want` (only the keys of `want`). */
export const differences = (got: unknown, want: Record<string, unknown>): string[] => {
  // An answer that is no JSON object (a broken body) differs as a whole.
  if (!isObject(got)) return [`expected a user object, got ${JSON.stringify(got) ?? "no JSON"}`];
  return Object.entries(want)
    .filter(([k, v]) => !isDeepStrictEqual(got[k], v))
    .map(([k, v]) => `${k}: sent/expected ${JSON.stringify(v)}, got ${JSON.stringify(got[k])}`);
};

/** The user a 201 shows, as get shows it: without the parts only a 201 carries. */
export const storedView = (json: unknown): User => {
  const { temporary_password: _secret, invite_mode: _mode, ...user } = json as User;
  return user as User;
};

// A field whose value is never shown in a message (the temporary password above all).
const SECRET_FIELD = /password|secret|token|key/i;
const shown = (field: string, value: unknown) =>
  value !== undefined && SECRET_FIELD.test(field) ? "a value (a secret: not shown)" : (JSON.stringify(value) ?? "none");

/** One field that differs, for a message: `name: expected "A", got "B"` (a secret's value never shown). */
const fieldDiff = (field: string, got: Record<string, unknown>, want: Record<string, unknown>) =>
  `${field}: expected ${shown(field, want[field])}, got ${shown(field, got[field])}`;

/** Every field, of either, whose value differs. */
export const changedFields = (got: Record<string, unknown>, want: Record<string, unknown>): string[] =>
  [...new Set([...Object.keys(want), ...Object.keys(got)])]
    .filter((f) => !isDeepStrictEqual(got[f], want[f]))
    .map((f) => fieldDiff(f, got, want));

/** Whether an answer carries a temporary_password (the secret shows only in one 201). */
export const carriesSecret = (json: unknown): boolean => isObject(json) && json.temporary_password !== undefined;

/**
 * The write that last set a user's fields, which says what a difference seen later breaks: the
 * create (what was sent), an update (what was sent, the rest unchanged), or none of this run's
 * (the user as a list showed it).
 */
export type LastWrite =
  | { kind: "create"; body: CreateBody }
  | { kind: "update"; body: UpdateBody }
  | { kind: "listed" };

/** The clause of the last write that a read answering no user at all breaks. */
const mainClause = (last: LastWrite): ClauseId =>
  last.kind === "create"
    ? "create_reflects_request.fields_sent"
    : last.kind === "update"
      ? "update_persisted.fields_sent"
      : "get_matches_list.same_fields";

/** The clause a field that differs from what the last write promised breaks. */
export function clauseOfField(field: string, got: unknown, last: LastWrite): ClauseId {
  if (last.kind === "listed") return "get_matches_list.same_fields";
  if (last.kind === "create") {
    if (field === "status") return "create_reflects_request.status_by_mode";
    if (field === "is_developer" && last.body.is_developer === undefined)
      return "create_reflects_request.developer_default";
    return "create_reflects_request.fields_sent";
  }
  if (!(field in last.body)) return "update_persisted.others_unchanged";
  const sent = last.body.name;
  return field === "name" && sent !== undefined && got === sent && sent !== stripped(sent)
    ? "update_persisted.name_stripped"
    : "update_persisted.fields_sent";
}

/**
 * `got` against `want`, field by field, each difference under the clause it breaks; every clause
 * the fields fall under counts as asserted. A create promises only the fields it names; an update
 * or a listing promise the whole user (extra fields included).
 */
function judgeFields(
  what: { operation: string; text: string },
  x: Exchange,
  want: Record<string, unknown>,
  last: LastWrite,
  tally?: ClauseTally,
): ClauseObservation[] {
  const got = x.json;
  if (!isObject(got))
    return claim(tally, mainClause(last), false, () => ({
      operation: what.operation,
      message: `${what.text} answered ${x.status} without a user: ${JSON.stringify(got)?.slice(0, 80) ?? "no JSON"}.`,
      exchange: x,
    }));
  const fields = last.kind === "create" ? Object.keys(want) : [...new Set([...Object.keys(want), ...Object.keys(got)])];
  const byClause = new Map<ClauseId, string[]>();
  for (const f of fields) {
    const clause = clauseOfField(f, got[f], last);
    const list = byClause.get(clause) ?? [];
    if (!isDeepStrictEqual(got[f], want[f])) list.push(fieldDiff(f, got, want));
    byClause.set(clause, list);
  }
  return [...byClause].flatMap(([clause, diffs]) =>
    claim(tally, clause, diffs.length === 0, () => ({
      operation: what.operation,
      message: `${what.text}: ${diffs.join("; ")}.`,
      exchange: x,
    })),
  );
}

/** An answer of `status` with a user, judged field by field; another status breaks the write's main clause. */
function judgeUserAnswer(
  what: { operation: string; text: string },
  status: number,
  x: Exchange,
  want: Record<string, unknown>,
  last: LastWrite,
  tally?: ClauseTally,
): ClauseObservation[] {
  if (x.status !== status)
    return claim(tally, mainClause(last), false, () => ({
      operation: what.operation,
      message: `${what.text} answered ${x.status}, not ${status}.`,
      exchange: x,
    }));
  return judgeFields(what, x, want, last, tally);
}

/** The 201 of a create: the fields sent, the defaults, the status by invite mode, the password only in its mode. */
export function judgeCreated(body: CreateBody, x: Exchange, tally?: ClauseTally): ClauseObservation[] {
  const out = judgeFields(
    { operation: "createUser", text: "The 201 body differs from what was sent" },
    x,
    expectedFromCreate(body),
    { kind: "create", body },
    tally,
  );
  const json = x.json as Record<string, unknown> | undefined;
  const hasPassword = typeof json?.temporary_password === "string" && json.temporary_password !== "";
  const operation = "createUser";
  if (body.invite_mode === "temporary_password")
    out.push(
      ...claim(tally, "create_reflects_request.temporary_password", hasPassword, () => ({
        operation,
        message: "invite mode temporary_password answered no temporary_password.",
        exchange: x,
      })),
    );
  else
    out.push(
      ...claim(tally, "secret_not_echoed.only_its_201", !carriesSecret(json), () => ({
        operation,
        message: `invite mode ${body.invite_mode} answered a temporary_password.`,
        exchange: x,
      })),
    );
  return out;
}

/**
 * A get of a user that exists: 200, no secret, and the user as its last write left it (`user`):
 * after a create, the fields the create promises; after an update or as listed, every field.
 */
export function judgeRead(user: User, last: LastWrite, x: Exchange, tally?: ClauseTally): ClauseObservation[] {
  const secret = claim(tally, "secret_not_echoed.not_in_get", !carriesSecret(x.json), () => ({
    operation: "getUser",
    message: "get echoes the temporary_password.",
    exchange: x,
  }));
  if (secret.length) return secret;
  const want = last.kind === "create" ? expectedFromCreate(last.body) : user;
  const after = last.kind === "create" ? "create" : last.kind === "update" ? `PATCH ${JSON.stringify(last.body)}` : "";
  const text = after ? `get after ${after}` : `get of ${user.id} as the list shows it`;
  return judgeUserAnswer({ operation: "getUser", text }, 200, x, want, last, tally);
}

/** The answer to an update: 200 with what was sent (name stripped) and every other field unchanged. */
export function judgeUpdated(before: User, body: UpdateBody, x: Exchange, tally?: ClauseTally): ClauseObservation[] {
  return judgeUserAnswer(
    { operation: "updateUser", text: `PATCH ${JSON.stringify(body)}` },
    200,
    x,
    expectedFromUpdate(before, body),
    { kind: "update", body },
    tally,
  );
}

/** What the email of a create already belongs to. */
export type PriorState = "invited" | "active" | "deleted";

/**
 * A create with the email of a user the run made: an invited user comes back as is (200), an
 * active or deleted one is a conflict (409). No temporary_password, unless in the 201 of its mode
 * (a 201 here is wrong already, and says so).
 */
export function judgeCreatedAgain(
  prior: PriorState,
  current: User,
  mode: string,
  x: Exchange,
  tally?: ClauseTally,
): ClauseObservation[] {
  const operation = "createUser";
  const itsOwn201 = x.status === 201 && mode === "temporary_password";
  const secret = claim(tally, "secret_not_echoed.only_its_201", itsOwn201 || !carriesSecret(x.json), () => ({
    operation,
    message: `A create (invite mode ${mode}) with the email of the ${prior} user ${current.id} answered ${x.status} with a temporary_password.`,
    exchange: x,
  }));
  if (prior === "invited")
    return [
      ...claim(tally, "create_idempotent.invited_200", x.status === 200 && isDeepStrictEqual(x.json, current), () => ({
        operation,
        message: `A second create for the invited ${current.email} must answer 200 with the user as it is; it answered ${x.status}${x.status === 200 ? `: ${differences(x.json, current).join("; ")}` : ""}.`,
        exchange: x,
      })),
      ...secret,
    ];
  if (prior === "active")
    return [
      ...claim(tally, "create_idempotent.active_409", x.status === 409, () => ({
        operation,
        message: `A second create for the active ${current.email} answered ${x.status}, not 409.`,
        exchange: x,
      })),
      ...secret,
    ];
  // Deleted: two promises say it (create_idempotent and delete_final); a 201 breaks both.
  const terminal = (clause: ClauseId) =>
    claim(tally, clause, x.status === 409, () => ({
      operation,
      message: `Creating the deleted user's address again answered ${x.status}, not 409 (deletion is terminal).`,
      exchange: x,
    }));
  return [...terminal("delete_final.create_409"), ...terminal("create_idempotent.deleted_409"), ...secret];
}

/** A delete, first or repeated: 204. */
export const judgeDeleted = (x: Exchange, tally?: ClauseTally): ClauseObservation[] =>
  claim(tally, "delete_final.twice_204", x.status === 204, () => ({
    operation: "deleteUser",
    message: `Delete answered ${x.status}; a delete answers 204, and 204 again.`,
    exchange: x,
  }));

/** A get of a deleted user: 404. */
export const judgeGone = (x: Exchange, tally?: ClauseTally): ClauseObservation[] =>
  claim(tally, "delete_final.get_404", x.status === 404, () => ({
    operation: "getUser",
    message: `Get of a deleted user answered ${x.status}, not 404.`,
    exchange: x,
  }));

/** The operations whose answer depends on the user's state, and the states in which the spec refuses them. */
export type StateDependent = "resendInvitation" | "resetPassword";
const STATE_RULES: Record<
  StateDependent,
  { clause: ClauseId; eligible: (status: string) => boolean; what: (status: string) => string }
> = {
  // Resend: only to the invited.
  resendInvitation: {
    clause: "state_refusal.resend_not_invited",
    eligible: (status) => status === "invited",
    what: (status) => `Resend to a ${status} user`,
  },
  // Password reset: not before the account is verified (invited, expired).
  resetPassword: {
    clause: "state_refusal.reset_unverified",
    eligible: (status) => status === "active",
    what: (status) => `A password reset for an unverified (${status}) user`,
  },
};

/** Whether the spec lets the operation through for a user in this status (then it promises acceptance, no clause). */
export const eligible = (operation: StateDependent, status: string): boolean => STATE_RULES[operation].eligible(status);

/** Resend or reset for a user in a status the spec refuses it in: 400. */
export function judgeStateRefusal(
  operation: StateDependent,
  status: string,
  x: Exchange,
  tally?: ClauseTally,
): ClauseObservation[] {
  const rule = STATE_RULES[operation];
  if (rule.eligible(status)) return [];
  return claim(tally, rule.clause, x.status === 400, () => ({
    operation,
    message: `${rule.what(status)} answered ${x.status}, not 400.`,
    exchange: x,
  }));
}

// ---- a listing against the users the judge knows ---------------------------------------------

/** Users for a message: id, status and email. */
export const brief = (users: User[]): string =>
  users.map((u) => `${u.id} (${u.status}, ${u.email})`).join(", ") || "nobody";

/** Whether an email holds the needle, in any letter case. */
export const holdsNeedle = (email: string, needle: string): boolean =>
  email.toLowerCase().includes(needle.toLowerCase());

/** A user whose state the judge knows: as get shows it now, deleted or not, and the write that last set it. */
export interface KnownUser {
  view: User;
  deleted: boolean;
  last: LastWrite;
  /** A complete walk has listed it: a later walk that misses it breaks pagination, not "the new user is listed". */
  seenListed: boolean;
}

/** The filters of one walk of the list. */
export interface ListFilter {
  statuses?: readonly string[] | undefined;
  needle?: string | undefined;
}

export const matchesFilter = (u: User, f: ListFilter): boolean =>
  (!f.statuses?.length || f.statuses.includes(u.status)) && (f.needle === undefined || holdsNeedle(u.email, f.needle));

/** The clause a walk that misses a known, live, matching user breaks: the filter's, else pagination's or the create's. */
const missingClause = (k: KnownUser, f: ListFilter): ClauseId =>
  f.statuses?.length
    ? "filter_status.exact"
    : f.needle !== undefined
      ? "filter_email.exact"
      : k.seenListed
        ? "pagination_complete.same_users_any_limit"
        : "create_reflects_request.listed";

/**
 * One walk of the list against the users the judge knows: every listed user matches the filter;
 * no deleted user is listed; a live one is listed as get shows it, and (when the walk reached its
 * end) listed whenever it matches. Users the judge does not know are held only to the filter.
 */
export function judgeListing(
  known: readonly KnownUser[],
  filter: ListFilter,
  w: Pick<Walk, "users" | "pages" | "complete">,
  what: string,
  tally?: ClauseTally,
): ClauseObservation[] {
  const exchange = w.pages[0]?.exchange;
  const at = (message: string) => () => ({ operation: "listUsers", message: `${what} ${message}`, exchange });
  const out: ClauseObservation[] = [];
  const { statuses, needle } = filter;
  if (statuses?.length) {
    const wrong = w.users.filter((u) => !statuses.includes(u.status));
    out.push(
      ...claim(tally, "filter_status.exact", !wrong.length, at(`lists users in other statuses: ${brief(wrong)}.`)),
    );
  }
  if (needle !== undefined) {
    const wrong = w.users.filter((u) => !holdsNeedle(u.email, needle));
    out.push(
      ...claim(
        tally,
        "filter_email.exact",
        !wrong.length,
        at(`lists users whose email does not contain it: ${brief(wrong)}.`),
      ),
    );
  }
  const listed = new Map(w.users.map((u) => [u.id, u]));
  for (const k of known) {
    const entry = listed.get(k.view.id);
    if (k.deleted)
      out.push(...claim(tally, "delete_final.not_listed", !entry, at(`lists the deleted user ${k.view.id}.`)));
    else if (entry)
      out.push(
        ...claim(tally, "get_matches_list.same_fields", isDeepStrictEqual(entry, k.view), () => ({
          operation: "listUsers",
          message: `${what} shows ${k.view.id} otherwise than get does (as the answers so far show it): ${changedFields(entry, k.view).join("; ")}.`,
          exchange,
        })),
      );
    else if (w.complete && matchesFilter(k.view, filter))
      out.push(...claim(tally, missingClause(k, filter), false, at(`does not list ${brief([k.view])}.`)));
    if (entry && !k.deleted && matchesFilter(k.view, filter)) tally?.add(missingClause(k, filter));
  }
  return out;
}
