// The model of the account a sequence of operations runs against: the users the account held when
// the sequence started (as the first pages of the list showed them; read-only to the sequence) and
// the users the sequence created, each with what the spec promises about it now: its fields as get
// must show them, its status, deleted or not, and the write that last set it. Commands
// (stateful.ts) read it to choose what to do and what to expect, and update it as the spec says.
import type { KnownUser, LastWrite, PriorState, User } from "./judges.ts";

/** A user the model knows. `ordinal`: the n-th user this sequence created (from 1); 0 for the account's own. */
export interface ModelUser extends KnownUser {
  ordinal: number;
}

export interface AccountModel {
  /**
   * The account's users found at the start, then this sequence's, in creation order. Lists are held
   * to these (listed when they match, as get shows them; the deleted in none); users the model does
   * not know (beyond the first pages of a big account) only to the filters.
   */
  users: ModelUser[];
  /** Users the sequence created; writes go to these only. */
  own: ModelUser[];
}

/** A model of the account as a walk of the list showed it. */
export function modelOf(listed: User[]): AccountModel {
  return {
    users: listed.map((view) => ({ view, deleted: false, last: { kind: "listed" }, seenListed: true, ordinal: 0 })),
    own: [],
  };
}

/** Adds a user the sequence just created, as its 201 showed it. */
export function addCreated(m: AccountModel, view: User, last: LastWrite): ModelUser {
  const u: ModelUser = { view, deleted: false, last, seenListed: false, ordinal: m.own.length + 1 };
  m.users.push(u);
  m.own.push(u);
  return u;
}

/** The state a user is in, as a create with its email sees it. */
export const stateOf = (u: ModelUser): PriorState =>
  u.deleted ? "deleted" : u.view.status === "invited" ? "invited" : "active";

/** The own user a command's `pick` points at, counting back from the latest (0; any number, taken modulo). */
export const pickOwn = (m: Readonly<AccountModel>, pick: number): ModelUser | undefined =>
  m.own.length ? m.own[m.own.length - 1 - (pick % m.own.length)] : undefined;

/** Any user the model knows (the sequence's own first: they change), for reads. */
export const pickKnown = (m: Readonly<AccountModel>, pick: number): ModelUser | undefined =>
  m.own.length ? pickOwn(m, pick) : m.users.length ? m.users[pick % m.users.length] : undefined;

/** How a user shows in a step's label: `#2 invited`, `#1 deleted`, or the id of an account's user. */
export const nameOf = (u: ModelUser): string =>
  u.ordinal ? `#${u.ordinal} ${u.deleted ? "deleted" : u.view.status}` : `existing ${u.view.id}`;
