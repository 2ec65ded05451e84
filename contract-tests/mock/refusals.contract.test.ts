// Everything the spec forbids, the mock refuses: one request per constraint, each built on
// purpose outside the types, each refused with a documented 4xx whose `sl-violations` names
// the field. And no request gets through without credentials.
import { describe, expect, it } from "vitest";
import { AUTH, expectRefused, record, recorder, target, validator } from "../harness/context.ts";
import { client, NEW_USER, OPERATIONS, USER_ID, validCall } from "./calls.ts";

const rec = recorder();
const api = client(rec.fetch, AUTH);
const long = "x".repeat(256);

// Bodies the types forbid; the cast is the point.
type Body = Record<string, unknown>;
const without = (key: keyof typeof NEW_USER): Body => Object.fromEntries(Object.entries(NEW_USER).filter(([k]) => k !== key));
const createWith = (patch: Body) => ({ ...NEW_USER, ...patch });

describe.runIf(target === "mock")("the mock refuses what the spec forbids", () => {
  describe("createUser body", () => {
    it.each<[string, Body, string]>([
      ["missing name", without("name"), "body.name"],
      ["missing email", without("email"), "body.email"],
      ["missing role", without("role"), "body.role"],
      ["missing invite_mode", without("invite_mode"), "body.invite_mode"],
      ["empty name", createWith({ name: "" }), "body.name"],
      ["name of 256 characters", createWith({ name: long }), "body.name"],
      ["bad email", createWith({ email: "jane.smith-at-example.com" }), "body.email"],
      ["unknown role name", createWith({ role: { type: "predefined", name: "owner" } }), "body.role.name"],
      ["upper-case role name MEMBER", createWith({ role: { type: "predefined", name: "MEMBER" } }), "body.role.name"],
      ["upper-case role type Predefined", createWith({ role: { type: "Predefined", name: "member" } }), "body.role.type"],
      ["upper-case invite_mode EMAIL_LINK", createWith({ invite_mode: "EMAIL_LINK" }), "body.invite_mode"],
      ["unknown invite_mode", createWith({ invite_mode: "sms" }), "body.invite_mode"],
      ["non-boolean is_developer", createWith({ is_developer: "yes" }), "body.is_developer"],
      ["role as a string", createWith({ role: "member" }), "body.role"],
    ])("%s", async (_, body, field) => {
      await api.POST("/v2/users", { body: body as never });
      expectRefused(rec.last(), "createUser", field);
    });
  });

  describe("listUsers query", () => {
    it.each<[string, Record<string, unknown>, string]>([
      ["limit 0", { limit: 0 }, "query.limit"],
      ["limit 101", { limit: 101 }, "query.limit"],
      ["non-integer limit", { limit: 2.5 }, "query.limit"],
      ["non-numeric limit", { limit: "ten" }, "query.limit"],
      ["unknown status", { status: ["deleted"] }, "query.status"],
      ["upper-case status", { status: ["ACTIVE"] }, "query.status"],
      ["email filter of 256 characters", { email: long }, "query.email"],
    ])("%s", async (_, query, field) => {
      await api.GET("/v2/users", { params: { query: query as never } });
      expectRefused(rec.last(), "listUsers", field);
    });
  });

  describe("updateUser body", () => {
    it.each<[string, Body, string]>([
      ["empty body", {}, "body"],
      ["blank name", { name: "   " }, "body.name"],
      ["name of 256 characters", { name: long }, "body.name"],
      ["empty name", { name: "" }, "body.name"],
      ["non-boolean is_developer", { is_developer: "false" }, "body.is_developer"],
    ])("%s", async (_, body, field) => {
      await api.PATCH("/v2/users/{user_id}", { params: { path: { user_id: USER_ID } }, body: body as never });
      expectRefused(rec.last(), "updateUser", field);
    });
  });

  describe("user id", () => {
    it.each(["not*an*id", "a b", "=abc"])("pattern: %j", async (userId) => {
      await api.GET("/v2/users/{user_id}", { params: { path: { user_id: userId } } });
      expectRefused(rec.last(), "getUser", "path.user_id");
    });
  });
});

describe.runIf(target === "mock")("credentials", () => {
  const cases = OPERATIONS.flatMap((op) => [
    { op, how: "none", headers: {} as Record<string, string> },
    { op, how: "Basic", headers: { Authorization: "Basic dXNlcjpwYXNz" } },
  ]);
  it.each(cases)("$op without a bearer token ($how) → 401", async ({ op, headers }) => {
    const anonymous = recorder();
    const { response, error } = await validCall(client(anonymous.fetch, headers), op);
    const ex = anonymous.last();
    expect(ex.operationId).toBe(op);
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ status: 401 });
    expect(validator.validateResponse({ operationId: op, status: 401, headers: ex.headers, body: ex.body })).toEqual([]);
    expect(ex.slViolations).toContainEqual(expect.objectContaining({ location: ["request"], code: 401 }));
    record(op, 401);
  });
});
