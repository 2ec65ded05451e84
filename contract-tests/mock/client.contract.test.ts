// The published client (src/) against the mock: every method, its results and its errors, with
// every exchange checked by Prism and by the engine's response checks.
import { describe, expect, it } from "vitest";
import {
  ArizeApiError,
  ArizeError,
  AuthenticationError,
  ConflictError,
  createUsersClient,
  NotFoundError,
  RateLimitError,
  UnprocessableEntityError,
} from "../../src/index.ts";
import { API_KEY, expectConforms, prefer, prismUrl, recorder, target } from "../harness/context.ts";
import { NEW_USER, USER_ID } from "./calls.ts";

const rec = recorder();
// No retries: Prism's 429 says Retry-After: 30, and each exchange must map to one response.
const arize = (headers: Record<string, string> = {}) =>
  createUsersClient({ apiKey: API_KEY, baseUrl: prismUrl, fetch: rec.fetch, maxRetries: 0, headers });
const last = (op: string, status: number) => expectConforms(rec.last(), op, status);

describe.runIf(target === "mock")("createUsersClient against the mock", () => {
  describe("results", () => {
    it("list: one page, typed; listAll walks to the last page", async () => {
      const page = await arize(prefer({ example: "first_page" })).users.list({
        limit: 2,
        status: ["active", "invited"],
      });
      last("listUsers", 200);
      expect(page.users[0]?.role).toEqual({ type: "predefined", name: "member" });
      expect(page.pagination).toEqual({ has_more: true, next_cursor: "Y3Vyc29yOjI=" });

      const all = [];
      for await (const user of arize(prefer({ example: "last_page" })).users.listAll()) all.push(user.email);
      last("listUsers", 200);
      expect(all).toEqual(["ada@example.com"]);
    });

    it("listAll: a mock that repeats its cursor ends in an ArizeError, not an endless walk", async () => {
      const walk = async () => {
        for await (const _ of arize(prefer({ example: "first_page" })).users.listAll()) void _;
      };
      await expect(walk()).rejects.toThrow(ArizeError);
      expect(rec.exchanges.filter((e) => e.url.includes("cursor=Y3Vyc29yOjI")).length).toBe(1);
    });

    it("get, update", async () => {
      expect(await arize().users.get(USER_ID)).toMatchObject({ id: USER_ID, status: "active" });
      last("getUser", 200);
      expect(rec.last().url).toBe(`${prismUrl}/v2/users/VXNlcjoxMjM0NQ%3D%3D`);
      expect(await arize().users.update(USER_ID, { is_developer: false })).toHaveProperty("email");
      last("updateUser", 200);
    });

    it("create: created is true for 201, false for 200", async () => {
      const fresh = await arize(prefer({ code: 201, example: "created" })).users.create(NEW_USER);
      last("createUser", 201);
      expect(fresh).toMatchObject({ created: true, user: { email: "jane.smith@example.com" } });
      const again = await arize(prefer({ code: 200 })).users.create(NEW_USER);
      last("createUser", 200);
      expect(again).toMatchObject({ created: false, user: { status: "invited" } });
      const withPassword = await arize(prefer({ code: 201, example: "temporary_password" })).users.create({
        ...NEW_USER,
        invite_mode: "temporary_password",
      });
      expect(withPassword.user.temporary_password).toBeTypeOf("string");
    });

    it("delete, resendInvitation, resetPassword resolve to undefined on 204", async () => {
      expect(await arize().users.delete(USER_ID)).toBeUndefined();
      last("deleteUser", 204);
      expect(await arize().users.resendInvitation(USER_ID)).toBeUndefined();
      last("resendInvitation", 204);
      expect(await arize().users.resetPassword(USER_ID)).toBeUndefined();
      last("resetPassword", 204);
    });

    it("raw: the openapi-fetch client, same auth", async () => {
      const { data } = await arize().raw.GET("/v2/users/{user_id}", { params: { path: { user_id: USER_ID } } });
      last("getUser", 200);
      expect(data?.id).toBe(USER_ID);
    });
  });

  describe("errors", () => {
    it.each([
      [401, AuthenticationError, "Unauthorized"],
      [404, NotFoundError, "Not Found"],
      [409, ConflictError, "Conflict"],
      [429, RateLimitError, "Too Many Requests"],
    ] as const)("createUser %i → %o with the Problem", async (status, ErrorClass, title) => {
      const err = await arize(prefer({ code: status }))
        .users.create(NEW_USER)
        .catch((e: unknown) => e);
      last("createUser", status);
      expect(err).toBeInstanceOf(ErrorClass);
      expect(err).toBeInstanceOf(ArizeApiError);
      expect(err).toMatchObject({ status, problem: { status, title } });
      expect(`${String(err)} ${JSON.stringify(err)} ${(err as Error).stack}`).not.toContain(API_KEY);
      if (status === 429) expect((err as ArizeApiError).headers.get("retry-after")).toBe("30");
    });

    it("a body the mock refuses → UnprocessableEntityError (422)", async () => {
      const err = await arize()
        .users.create({ ...NEW_USER, invite_mode: "EMAIL_LINK" as never })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnprocessableEntityError);
      expect(rec.last().status).toBe(422);
    });

    it.each(["", ".", ".."])("user id %j is refused before any request", async (id) => {
      const before = rec.exchanges.length;
      await expect(arize().users.get(id)).rejects.toThrow(ArizeError);
      expect(rec.exchanges.length).toBe(before);
    });
  });
});
