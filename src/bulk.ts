// findByEmail and deleteMany, the official client's two users helpers, made of the resource's own
// listAll and delete: the same retry policies, timeouts, errors and argument checks.
import type { components } from "../generated/users.js";
import { checkEmail, checkedList, MAX_LIMIT, userIdSegment } from "./checks.js";
import { ArizeAbortError, ArizeError, invalid, NotFoundError, shown } from "./errors.js";
import type { RequestOptions } from "./retry.js";
import type { UsersResource } from "./users.js";

type User = components["schemas"]["User"];

/** Whom `deleteMany` deletes: user ids, emails (found as `findByEmail` finds them), or both. */
export type DeleteManyTargets =
  | { ids: readonly string[]; emails?: readonly string[] }
  | { ids?: readonly string[]; emails: readonly string[] };

export interface DeleteManyOptions extends RequestOptions {
  /** Requests in flight at once, searches and deletes alike. Default 4. */
  concurrency?: number;
}

/**
 * What became of one input of `deleteMany`. `userId` is there whenever the input is an id or an
 * email found to be a user's.
 * - `deleted`: the server answered 204 (also for a user deleted before: delete is idempotent).
 * - `not_found`: no user has that email, or the server answered 404 for that id (`error`).
 * - `failed`: `error` says why: an API, connection or timeout error, an email that several users
 *   have (then no `userId`), or the signal's abort while this delete was in flight (it may have
 *   reached the server; deleting again is safe).
 * - `not_attempted`: the signal aborted before this user's delete was sent; `error` is the abort.
 */
export type DeleteOutcome =
  | { status: "deleted"; userId: string; error?: never }
  | { status: "not_found"; userId?: string; error?: NotFoundError }
  | { status: "failed"; userId?: string; error: ArizeError }
  | { status: "not_attempted"; userId?: string; error: ArizeAbortError };

/** One entry of `deleteMany`'s result: an id or an email as given, and what became of it. */
export type DeleteResult = { input: string } & DeleteOutcome;

const DEFAULT_CONCURRENCY = 4;

/** Runs `work` on each item in order, at most `concurrency` at once, starting none once `signal` aborts. */
const pool = async <T>(
  items: T[],
  concurrency: number,
  signal: AbortSignal | undefined,
  work: (item: T) => unknown,
) => {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
};

/** deleteMany's arguments, checked before anything is sent. */
const checkedArguments = (targets: DeleteManyTargets, options?: DeleteManyOptions) => {
  if (typeof targets !== "object" || targets === null || Array.isArray(targets))
    throw invalid("targets", `${shown(targets)} (an object: { ids?, emails? })`);
  const ids = checkedList(targets.ids, "ids", userIdSegment);
  const emails = checkedList(targets.emails, "emails", checkEmail);
  if (!ids.length && !emails.length) throw invalid("targets", "no ids and no emails; nothing to delete");
  const { concurrency = DEFAULT_CONCURRENCY, ...request } = options ?? {};
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw invalid("concurrency", `${shown(concurrency)} (an integer from 1)`);
  return { ids, emails, concurrency, request };
};

/** Every error the client throws is an ArizeError. */
const failed = (error: unknown, userId?: string): DeleteOutcome => ({
  status: "failed",
  ...(userId && { userId }),
  error: error as ArizeError,
});

export const bulk = (users: Pick<UsersResource, "listAll" | "delete">) => {
  const findByEmail = async (email: string, options?: RequestOptions) => {
    checkEmail(email, "email");
    const wanted = email.toLowerCase();
    const matches: User[] = [];
    for await (const user of users.listAll({ email, limit: MAX_LIMIT }, options))
      if (user.email.toLowerCase() === wanted) matches.push(user);
    if (matches.length > 1)
      throw new ArizeError(
        `${matches.length} users have the email ${shown(email)} (ids ${matches.map((u) => shown(u.id)).join(", ")}); expected at most one`,
      );
    return matches[0];
  };

  const deleteOne = async (userId: string, options: RequestOptions): Promise<DeleteOutcome> => {
    try {
      await users.delete(userId, options);
      return { status: "deleted", userId };
    } catch (e) {
      return e instanceof NotFoundError ? { status: "not_found", userId, error: e } : failed(e, userId);
    }
  };

  /** Each email searched once, whatever its letter case: by lower case, the user found or the outcome known already. */
  const searchAll = async (emails: string[], concurrency: number, request: RequestOptions) => {
    const found = new Map<string, User | DeleteOutcome>();
    const searches = new Map(emails.map((email) => [email.toLowerCase(), email]));
    await pool([...searches], concurrency, request.signal, async ([key, email]) => {
      try {
        found.set(key, (await findByEmail(email, request)) ?? { status: "not_found" });
      } catch (e) {
        // An aborted search sent no delete.
        found.set(key, e instanceof ArizeAbortError ? { status: "not_attempted", error: e } : failed(e));
      }
    });
    return found;
  };

  const deleteMany = async (targets: DeleteManyTargets, options?: DeleteManyOptions) => {
    const { ids, emails, concurrency, request } = checkedArguments(targets, options);
    const found = await searchAll(emails, concurrency, request);
    // Each user deleted once, whether named by id, by email or both.
    const userIds = new Set(ids);
    for (const f of found.values()) if ("id" in f) userIds.add(f.id);
    const deleted = new Map<string, DeleteOutcome>();
    await pool([...userIds], concurrency, request.signal, async (userId) =>
      deleted.set(userId, await deleteOne(userId, request)),
    );

    let skipped: ArizeAbortError | undefined;
    const notAttempted = (userId?: string): DeleteOutcome => {
      skipped ??= new ArizeAbortError("Not attempted: aborted before this delete was sent", {
        cause: request.signal?.reason,
      });
      return { status: "not_attempted", ...(userId && { userId }), error: skipped };
    };
    const outcomeOf = (userId: string) => deleted.get(userId) ?? notAttempted(userId);
    const emailOutcome = (email: string) => {
      const f = found.get(email.toLowerCase());
      return !f ? notAttempted() : "id" in f ? outcomeOf(f.id) : f;
    };
    return [
      ...ids.map((input): DeleteResult => ({ input, ...outcomeOf(input) })),
      ...emails.map((input): DeleteResult => ({ input, ...emailOutcome(input) })),
    ];
  };

  return { findByEmail, deleteMany };
};
