// Misuse is a compile error; results carry the generated types.
import { describe, expectTypeOf, it } from "vitest";
import type { operations, paths } from "../../generated/users.ts";
import type { OPERATIONS } from "../../src/operations.ts";
import {
  type ArizeAbortError,
  type ArizeApiError,
  type ArizeError,
  createUsersClient,
  type DeleteResult,
  NotFoundError,
  type components,
  type CreateUserRequest,
  type Problem,
  type UpdateUserRequest,
  type User,
  type UserList,
  type UserRoleAssignment,
  type UserStatus,
} from "../../src/index.ts";

const arize = createUsersClient({ apiKey: "k" });
/** Exact type equality (toEqualTypeOf's deep brand trips over the generated unions). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Each assignable to the other (openapi-fetch rebuilds response types through its Readable<>). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const ok: CreateUserRequest = {
  name: "J",
  email: "j@example.com",
  role: { type: "predefined", name: "member" },
  invite_mode: "email_link",
};

describe("types", () => {
  it("aliases come straight from generated/", () => {
    expectTypeOf<User>().toEqualTypeOf<components["schemas"]["User"]>();
    expectTypeOf<UserStatus>().toEqualTypeOf<"active" | "invited" | "expired">();
    expectTypeOf<UserRoleAssignment>().toEqualTypeOf<components["schemas"]["UserRoleAssignment"]>();
    expectTypeOf<Problem>().toEqualTypeOf<components["schemas"]["Problem"]>();
    expectTypeOf<UserList["users"]>().toEqualTypeOf<User[]>();
  });

  it("results are typed", () => {
    expectTypeOf(arize.users.get("x")).resolves.toEqualTypeOf<User>();
    expectTypeOf(arize.users.list()).resolves.toEqualTypeOf<UserList>();
    expectTypeOf(arize.users.create(ok)).resolves.toMatchTypeOf<{ user: User; created: boolean }>();
    expectTypeOf(arize.users.create(ok))
      .resolves.toHaveProperty("user")
      .toHaveProperty("temporary_password")
      .toEqualTypeOf<string | undefined>();
    // The 201 carries invite_mode (required, as Arize's API has it); a 200 (existing invitation) none.
    const created = async () => {
      const r = await arize.users.create(ok);
      if (r.created) expectTypeOf(r.user.invite_mode).toEqualTypeOf<"none" | "email_link" | "temporary_password">();
      else expectTypeOf(r.user.invite_mode).toEqualTypeOf<undefined>();
    };
    void created;
    expectTypeOf(arize.users.delete("x")).resolves.toBeVoid();
    expectTypeOf(arize.users.listAll()).toMatchTypeOf<AsyncIterable<User>>();
    expectTypeOf(new NotFoundError(new Response())).toMatchTypeOf<ArizeApiError>();
    expectTypeOf<ArizeApiError["problem"]>().toEqualTypeOf<Problem | undefined>();
  });

  it("findByEmail and deleteMany: typed results, a union narrowed by status", () => {
    expectTypeOf(arize.users.findByEmail("jo@example.com")).resolves.toEqualTypeOf<User | undefined>();
    expectTypeOf(arize.users.deleteMany({ ids: ["a"] })).resolves.toEqualTypeOf<DeleteResult[]>();
    const narrowed = (r: DeleteResult) => {
      expectTypeOf(r.input).toBeString();
      expectTypeOf(r.status).toEqualTypeOf<"deleted" | "not_found" | "failed" | "not_attempted">();
      if (r.status === "deleted") {
        expectTypeOf(r.userId).toBeString();
        expectTypeOf(r.error).toEqualTypeOf<undefined>();
      }
      if (r.status === "not_found") expectTypeOf(r.error).toEqualTypeOf<NotFoundError | undefined>();
      if (r.status === "failed") expectTypeOf(r.error).toEqualTypeOf<ArizeError>();
      if (r.status === "not_attempted") expectTypeOf(r.error).toEqualTypeOf<ArizeAbortError>();
      if (r.status !== "deleted") expectTypeOf(r.userId).toEqualTypeOf<string | undefined>();
      // Without narrowing, what every result can be read as.
      expectTypeOf(r.error?.message).toEqualTypeOf<string | undefined>();
    };
    void narrowed;
    arize.users.deleteMany(
      { emails: ["jo@example.com"] },
      { concurrency: 2, signal: AbortSignal.timeout(9), maxRetries: 1 },
    );
    arize.users.deleteMany({ ids: ["a"], emails: ["jo@example.com"] });
    // Read-only lists are fine.
    const ids: readonly string[] = ["a"];
    arize.users.deleteMany({ ids });
  });

  it("the operation table's routes lead to its operations", () => {
    type Table = typeof OPERATIONS;
    type Routed = { -readonly [Id in keyof Table]: paths[Table[Id]["path"]][Table[Id]["method"]] };
    expectTypeOf<Equal<Routed, operations>>().toEqualTypeOf<true>();
  });

  it("raw takes the per-call options typed, and keeps openapi-fetch's result types", () => {
    const path = { params: { path: { user_id: "x" } } };
    const one = () =>
      arize.raw.GET("/v2/users/{user_id}", { ...path, timeoutMs: 5, maxRetries: 0, signal: AbortSignal.timeout(9) });
    const page = () => arize.raw.GET("/v2/users", { timeoutMs: 5 });
    expectTypeOf<Same<Awaited<ReturnType<typeof one>>["data"], User | undefined>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Awaited<ReturnType<typeof page>>["data"], UserList | undefined>>().toEqualTypeOf<true>();
    // @ts-expect-error timeoutMs is a number
    arize.raw.GET("/v2/users", { timeoutMs: "x" });
    // @ts-expect-error maxRetries is a number
    arize.raw.POST("/v2/users/{user_id}/reset-password", { ...path, maxRetries: "2" });
    // @ts-expect-error signal is an AbortSignal
    arize.raw.DELETE("/v2/users/{user_id}", { ...path, signal: true });
    // @ts-expect-error the spec has no PUT
    arize.raw.PUT;
  });

  it("misuse does not compile", () => {
    // @ts-expect-error unknown role
    arize.users.create({ ...ok, role: { type: "predefined", name: "owner" } });
    // @ts-expect-error missing invite_mode
    arize.users.create({ name: "J", email: "j@example.com", role: { type: "predefined", name: "member" } });
    // @ts-expect-error upper-case enum value
    arize.users.create({ ...ok, invite_mode: "EMAIL_LINK" });
    // @ts-expect-error upper-case role type
    arize.users.create({ ...ok, role: { type: "PREDEFINED", name: "member" } });
    // @ts-expect-error non-boolean is_developer
    arize.users.create({ ...ok, is_developer: "yes" });
    // @ts-expect-error non-boolean is_developer on update
    arize.users.update("x", { is_developer: 1 });
    // @ts-expect-error update needs name or is_developer
    arize.users.update("x", {});
    // @ts-expect-error upper-case status filter
    arize.users.list({ status: ["ACTIVE"] });
    // @ts-expect-error status is an array
    arize.users.list({ status: "active" });
    // @ts-expect-error listAll has no cursor
    arize.users.listAll({ cursor: "c" });
    // @ts-expect-error a user id is a string
    arize.users.get(42);
    // @ts-expect-error raw call without its path parameter
    arize.raw.GET("/v2/users/{user_id}");
    // @ts-expect-error raw call with params but no path parameter
    arize.raw.GET("/v2/users/{user_id}", { params: {} });
    // @ts-expect-error raw call to an unknown path
    arize.raw.GET("/v2/user");
    // @ts-expect-error unknown per-call option
    arize.users.get("x", { retries: 3 });
    // @ts-expect-error unknown client option
    createUsersClient({ apiKey: "k", retries: 3 });
    // @ts-expect-error deleteMany needs ids or emails
    arize.users.deleteMany({});
    // @ts-expect-error the official client's name is userIds; ours is ids
    arize.users.deleteMany({ userIds: ["a"] });
    // @ts-expect-error ids is an array
    arize.users.deleteMany({ ids: "a" });
    // @ts-expect-error emails are strings
    arize.users.deleteMany({ emails: [1] });
    // @ts-expect-error concurrency is a number
    arize.users.deleteMany({ ids: ["a"] }, { concurrency: "4" });
    // @ts-expect-error an email is a string
    arize.users.findByEmail(42);
    // @ts-expect-error findByEmail takes no concurrency
    arize.users.findByEmail("jo@example.com", { concurrency: 2 });
    const body: UpdateUserRequest = { name: "ok" };
    arize.users.update("x", body);
    arize.raw.GET("/v2/users/{user_id}", { params: { path: { user_id: "x" } } });
  });
});
