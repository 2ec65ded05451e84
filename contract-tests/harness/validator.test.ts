// The in-process oracle must bite: each fault below is one a faulty server could ship.
import { describe, expect, it } from "vitest";
import { loadValidator } from "./validator.ts";

const v = await loadValidator();
const json = { "content-type": "application/json" };
const problemJson = { "content-type": "application/problem+json" };
const user = {
  id: "VXNlcjoxMjM0NQ==",
  name: "Jane Smith",
  email: "jane.smith@example.com",
  created_at: "2024-01-01T12:00:00Z",
  status: "active",
  role: { type: "predefined", name: "member" },
  is_developer: true,
};
const getUser = (body: unknown, headers: Record<string, string> = json, status = 200) =>
  v.validateResponse({ operationId: "getUser", status, headers, body: typeof body === "string" ? body : JSON.stringify(body) });
const notFound = { type: "about:blank", title: "Not Found", status: 404 };

describe("validator: conforming responses pass", () => {
  it("accepts a valid user, a Problem, a bodiless 204 and a 429 with Retry-After", () => {
    expect(getUser(user)).toEqual([]);
    expect(getUser(notFound, { "content-type": "application/problem+json; charset=utf-8" }, 404)).toEqual([]);
    expect(v.validateResponse({ operationId: "deleteUser", status: 204, headers: {} })).toEqual([]);
    const tooMany = { ...notFound, title: "Too Many Requests", status: 429 };
    expect(v.validateResponse({ operationId: "listUsers", status: 429, headers: new Headers({ ...problemJson, "Retry-After": "30" }), body: JSON.stringify(tooMany) })).toEqual([]);
  });
});

describe("validator: faults are violations that say where", () => {
  it.each([
    ["upper-case enum", { ...user, status: "ACTIVE" }, /body\/status must be equal to one of the allowed values/],
    ["upper-case role name", { ...user, role: { type: "predefined", name: "MEMBER" } }, /body\/role\/name/],
    ["role of the wrong type", { ...user, role: "member" }, /body\/role must be object/],
    ["role branch chosen by a wrong const (Prism ignores discriminator)", { ...user, role: { type: "predefined", id: "Um9sZTox" } }, /body\/role/],
    ["missing required field", { ...user, email: undefined }, /must have required property 'email'/],
    ["malformed created_at", { ...user, created_at: "yesterday" }, /body\/created_at must match format "date-time"/],
    ["bad email", { ...user, email: "not-an-email" }, /body\/email must match format "email"/],
    ["non-boolean is_developer", { ...user, is_developer: "yes" }, /body\/is_developer must be boolean/],
  ])("%s", (_, body, message) => {
    const violations = getUser(body);
    expect(violations.join("\n")).toMatch(message);
    expect(violations.every((m) => m.startsWith("getUser 200:"))).toBe(true);
  });

  it("pagination without next_cursor while has_more, and a missing pagination", () => {
    const list = (body: unknown) => v.validateResponse({ operationId: "listUsers", status: 200, headers: json, body: JSON.stringify(body) });
    expect(list({ users: [user], pagination: { has_more: true } }).join()).toMatch(/pagination/);
    expect(list({ users: [user] }).join()).toMatch(/required property 'pagination'/);
  });

  it("an undocumented status", () => {
    expect(getUser(notFound, problemJson, 500)).toEqual([expect.stringMatching(/status 500 is not documented/)]);
  });

  it("an error sent as text/plain, or a user sent as problem+json", () => {
    expect(getUser("Not Found", { "content-type": "text/plain" }, 404).join()).toMatch(/content-type "text\/plain" is not documented/);
    expect(getUser(user, problemJson).join()).toMatch(/content-type "application\/problem\+json" is not documented/);
    expect(getUser(user, {}).join()).toMatch(/content-type null is not documented/);
  });

  it("a Problem whose status disagrees with the HTTP status", () => {
    expect(getUser({ ...notFound, status: 400 }, problemJson, 404).join()).toMatch(/body\/status must be equal to constant/);
  });

  it("a body that is not JSON, or empty where one is documented", () => {
    expect(getUser("<html>oops</html>").join()).toMatch(/body is not valid JSON/);
    expect(getUser("").join()).toMatch(/body is empty/);
  });

  it("a 204 with a body", () => {
    expect(v.validateResponse({ operationId: "resetPassword", status: 204, headers: json, body: "{}" }).join()).toMatch(/must have no body/);
  });

  it("a 429 without Retry-After, or with one that is not a number of seconds", () => {
    const body = JSON.stringify({ title: "Too Many Requests", status: 429 });
    const tooMany = (headers: Record<string, string>) => v.validateResponse({ operationId: "createUser", status: 429, headers: { ...problemJson, ...headers }, body }).join();
    expect(tooMany({})).toMatch(/header Retry-After is required but missing/);
    expect(tooMany({ "retry-after": "soon" })).toMatch(/header Retry-After must be integer/);
    expect(tooMany({ "retry-after": "-1" })).toMatch(/header Retry-After must be >= 0/);
  });

  it("an unknown operation", () => {
    expect(v.validateResponse({ operationId: "listGroups", status: 200, headers: json, body: "{}" })).toEqual(["unknown operation listGroups"]);
  });
});

describe("validator: operationFor maps requests to operations", () => {
  it.each([
    ["GET", "/v2/users?limit=5", "listUsers"],
    ["post", "/v2/users", "createUser"],
    ["GET", "/v2/users/VXNlcjoxMjM0NQ%3D%3D", "getUser"],
    ["PATCH", "/v2/users/abc", "updateUser"],
    ["DELETE", "/v2/users/abc", "deleteUser"],
    ["POST", "/v2/users/abc/resend-invitation", "resendInvitation"],
    ["POST", "/v2/users/abc/reset-password", "resetPassword"],
    ["DELETE", "/v2/users", undefined],
    ["GET", "/v2/users/abc/def", undefined],
    ["GET", "/v2/users/", "listUsers"],
  ])("%s %s → %s", (method, path, operationId) => {
    expect(v.operationFor(method, path)?.operationId).toBe(operationId);
  });

  it("lists all seven operations with their documented statuses", () => {
    expect(v.operations.map((o) => o.operationId).sort()).toEqual(
      ["createUser", "deleteUser", "getUser", "listUsers", "resendInvitation", "resetPassword", "updateUser"]);
    expect(v.operations.find((o) => o.operationId === "createUser")?.statuses).toEqual(
      ["200", "201", "400", "401", "403", "404", "409", "422", "429"]);
  });
});
