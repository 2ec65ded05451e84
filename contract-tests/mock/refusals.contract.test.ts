// What the types forbid, the mock refuses too (one request per constraint, generated from the
// spec, is in generated.contract.test.ts). And no request gets through without credentials.
import { describe, expect, it } from "vitest";
import { AUTH, expectRefused, expectValid, record, recorder, target } from "../harness/context.ts";
import { client, NEW_USER, OPERATIONS, USER_ID, validCall } from "./calls.ts";

const rec = recorder();
const api = client(rec.fetch, AUTH);
// The same faults written as typed calls: tsc (npm run lint) fails should the types ever accept
// one of them, and the mock must still refuse it.
describe.runIf(target === "mock")("what the types forbid, the mock refuses too", () => {
  const byId = { params: { path: { user_id: USER_ID } } };
  it("createUser: upper-case role name", async () => {
    // @ts-expect-error "MEMBER" is not a PredefinedRoleName
    await api.POST("/v2/users", { body: { ...NEW_USER, role: { type: "predefined", name: "MEMBER" } } });
    expectRefused(rec.last(), "createUser", "body.role.name");
  });
  it("createUser: no invite_mode", async () => {
    // @ts-expect-error invite_mode is required
    await api.POST("/v2/users", { body: { name: "Jane Smith", email: "jane.smith@example.com", role: NEW_USER.role } });
    expectRefused(rec.last(), "createUser", "body.invite_mode");
  });
  it("createUser: non-boolean is_developer", async () => {
    // @ts-expect-error is_developer is a boolean
    await api.POST("/v2/users", { body: { ...NEW_USER, is_developer: "true" } });
    expectRefused(rec.last(), "createUser", "body.is_developer");
  });
  it("listUsers: upper-case status, non-numeric limit", async () => {
    // @ts-expect-error "ACTIVE" is not a UserStatus
    await api.GET("/v2/users", { params: { query: { status: ["ACTIVE"] } } });
    expectRefused(rec.last(), "listUsers", "query.status");
    // @ts-expect-error limit is a number
    await api.GET("/v2/users", { params: { query: { limit: "ten" } } });
    expectRefused(rec.last(), "listUsers", "query.limit");
  });
  it("updateUser: empty body", async () => {
    // @ts-expect-error at least one of name and is_developer
    await api.PATCH("/v2/users/{user_id}", { ...byId, body: {} });
    expectRefused(rec.last(), "updateUser", "body");
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
    expectValid(ex, op);
    expect(ex.slViolations).toContainEqual(expect.objectContaining({ location: ["request"], code: 401 }));
    record(op, 401);
  });
});
