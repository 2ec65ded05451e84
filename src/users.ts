import type { FetchOptions, FetchResponse } from "openapi-fetch";
import type { components, operations } from "../generated/users.js";
import { checkLimit } from "./checks.js";
import { apiError, invalid, shown } from "./errors.js";
import { OPERATIONS, type OperationId } from "./operations.js";
import { CALL_OPTIONS, type CallOptions, type RequestOptions } from "./retry.js";
import { bulk, type DeleteManyOptions, type DeleteManyTargets, type DeleteResult } from "./bulk.js";

type S = components["schemas"];
/** Query of `list` (all optional): `status` (one or more), `email` substring, `limit` 1–100, `cursor`. */
export type ListUsersQuery = NonNullable<operations["listUsers"]["parameters"]["query"]>;

/** The users resource. Every method takes optional `{ signal, timeoutMs, maxRetries }` last; `deleteMany` also `concurrency`. */
export interface UsersResource {
  /**
   * One page of users, oldest first.
   * @example
   * const { users, pagination } = await arize.users.list({ status: ["active"], limit: 50 });
   * if (pagination.has_more) await arize.users.list({ cursor: pagination.next_cursor });
   */
  list(query?: ListUsersQuery, options?: RequestOptions): Promise<S["UserList"]>;
  /**
   * Every user, page after page (follows `next_cursor`).
   * @example
   * for await (const user of arize.users.listAll({ status: ["invited"] })) console.log(user.email);
   */
  listAll(query?: Omit<ListUsersQuery, "cursor">, options?: RequestOptions): AsyncIterable<S["User"]>;
  /**
   * One user by id.
   * @example
   * const user = await arize.users.get("VXNlcjoxMjM0NQ==");
   */
  get(userId: string, options?: RequestOptions): Promise<S["User"]>;
  /**
   * Creates (and invites) a user. `created` is true for 201 (then `user.invite_mode` tells the mode
   * used), false for 200 (an invited user with that email exists; returned as is, nothing resent).
   * With `invite_mode: "temporary_password"`, `user.temporary_password` holds the one-time
   * password: a secret, never log it.
   * @example
   * const { user, created } = await arize.users.create({
   *   name: "Jane Smith", email: "jane@example.com",
   *   role: { type: "predefined", name: "member" }, invite_mode: "email_link",
   * });
   */
  create(body: S["CreateUserRequest"], options?: RequestOptions): Promise<CreateResult>;
  /**
   * Changes `name`, `is_developer`, or both.
   * @example
   * const user = await arize.users.update("VXNlcjoxMjM0NQ==", { name: "Jane Doe" });
   */
  update(userId: string, body: S["UpdateUserRequest"], options?: RequestOptions): Promise<S["User"]>;
  /**
   * Deletes (blocks) a user for good. Idempotent.
   * @example
   * await arize.users.delete("VXNlcjoxMjM0NQ==");
   */
  delete(userId: string, options?: RequestOptions): Promise<void>;
  /**
   * Emails a new invitation (the user must be `invited`). Retried only on 429 and 503.
   * @example
   * await arize.users.resendInvitation("VXNlcjoxMjM0NQ==");
   */
  resendInvitation(userId: string, options?: RequestOptions): Promise<void>;
  /**
   * Emails a password-reset link. Retried only on 429 and 503.
   * @example
   * await arize.users.resetPassword("VXNlcjoxMjM0NQ==");
   */
  resetPassword(userId: string, options?: RequestOptions): Promise<void>;
  /**
   * The user whose email equals `email` ignoring letter case, or `undefined`. The server's email
   * filter matches substrings (`jo@example.com` also lists `ajo@example.com`), so every page of
   * it is read, 100 users a request, and only exact matches count; more than one is an
   * ArizeError naming the email and the ids. A blank or non-string email, one with white space
   * around it, over 255 characters (the filter's limit) or with a lone surrogate (no URL can
   * carry it) is refused before anything is sent.
   * @example
   * const user = await arize.users.findByEmail("Jane@Example.com");
   * if (user) await arize.users.delete(user.id);
   */
  findByEmail(email: string, options?: RequestOptions): Promise<S["User"] | undefined>;
  /**
   * Deletes the users named by id and/or email (each email found as `findByEmail` finds it),
   * `concurrency` requests at a time (default 4), each user once however often it is named, and
   * resolves to one result per input, ids then emails, in the order given (see `DeleteResult`):
   * `deleted`, `not_found`, `failed` (a failure never stops the others) or `not_attempted` (the
   * `signal` aborted first). Rejects, before sending anything, only on bad arguments: no ids and
   * no emails, an id or email `get`/`findByEmail` would refuse, a `concurrency` not an integer ≥ 1.
   * @example
   * const results = await arize.users.deleteMany({ emails: ["jane@example.com", "sam@example.com"] });
   * for (const r of results) if (r.status !== "deleted") console.log(r.input, r.status, r.error?.message);
   */
  deleteMany(targets: DeleteManyTargets, options?: DeleteManyOptions): Promise<DeleteResult[]>;
}

/** What `create` returns: narrow on `created` to read the 201's `invite_mode` (a 200 has none). */
export type CreateResult =
  | { user: S["CreatedUser"]; created: true }
  | { user: S["User"] & { invite_mode?: never; temporary_password?: never }; created: false };

/** An init with no options that change the response type (openapi-fetch's `{}`). */
type NoInit = Record<never, never>;

/** openapi-fetch's `request`, untyped (`send` and `raw`'s own types check each call), with the call's options. */
export type UntypedRequest = (
  method: string,
  path: string,
  init: { [CALL_OPTIONS]: CallOptions },
) => Promise<FetchResponse<object, NoInit, "application/json">>;

/** An operation's 2xx result as openapi-fetch types it. */
type Success<Id extends OperationId> = Extract<
  FetchResponse<operations[Id], NoInit, "application/json">,
  { error?: never }
>;

/** The resource on openapi-fetch's `request`; routes come from the operation table (src/operations.ts). */
export const users = (request: UntypedRequest, apiKey: string): UsersResource => {
  /**
   * Calls an operation of the table with `init` typed for it, and, in the init entry the fetch
   * wrapper reads, the caller's options and the operation's id (for its retry policy). Resolves to
   * the 2xx result; decides by the HTTP status (openapi-fetch's `error` is "" or undefined for an
   * empty body) and rejects with an ArizeApiError otherwise.
   */
  const send = async <Id extends OperationId>(
    operationId: Id,
    init: FetchOptions<operations[Id]>,
    options?: RequestOptions,
  ) => {
    const { method, path } = OPERATIONS[operationId];
    const call: CallOptions = { ...options, operationId };
    const result = await request(method, path, { ...init, [CALL_OPTIONS]: call });
    if (!result.response.ok) throw apiError(result.response, result.error, apiKey);
    return result as Success<Id>;
  };
  const at = (user_id: string) => ({ params: { path: { user_id } } });
  const email = (operationId: "resendInvitation" | "resetPassword") => async (id: string, options?: RequestOptions) => {
    await send(operationId, at(id), options);
  };
  const list = async (query?: ListUsersQuery, options?: RequestOptions) => {
    checkLimit(query?.limit);
    return (await send("listUsers", { params: { query } }, options)).data;
  };
  const resource: Omit<UsersResource, keyof ReturnType<typeof bulk>> = {
    list,
    async *listAll(query, options) {
      // Each cursor with the page that gave it: a server that hands one out twice would loop us forever.
      const pageOf = new Map<string, number>();
      for (let page = 1, cursor: string | undefined; ; page++) {
        const { users, pagination } = await list({ ...query, cursor }, options);
        yield* users;
        if (!pagination.has_more) return;
        cursor = pagination.next_cursor;
        if (!cursor)
          throw invalid(
            "next_cursor",
            `the server said has_more: true on page ${page} but gave no next_cursor; stopping, as there is no way to ask for the next page`,
          );
        if (pageOf.has(cursor))
          throw invalid(
            "next_cursor",
            `page ${page} repeated the cursor ${shown(cursor)} of page ${pageOf.get(cursor)}; stopping to avoid an endless loop`,
          );
        pageOf.set(cursor, page);
      }
    },
    get: async (id, options) => (await send("getUser", at(id), options)).data,
    async create(body, options) {
      const { data, response } = await send("createUser", { body }, options);
      // The status decides which member of the union this is; TypeScript cannot see that link.
      return { user: data, created: response.status === 201 } as CreateResult;
    },
    update: async (id, body, options) => (await send("updateUser", { ...at(id), body }, options)).data,
    async delete(id, options) {
      await send("deleteUser", at(id), options);
    },
    resendInvitation: email("resendInvitation"),
    resetPassword: email("resetPassword"),
  };
  return { ...resource, ...bulk(resource) };
};
