// The spec as the engine reads it: every operation with its documented statuses, and the
// operation a request hits (what the mock suite's recorder names each exchange by).
import { describe, expect, it } from "vitest";
import { describeApi, loadApi } from "./spec.ts";

const api = await loadApi();

describe("operations", () => {
  it("lists all seven operations with their documented statuses", () => {
    expect(api.operations.map((o) => o.operationId).sort()).toEqual([
      "createUser",
      "deleteUser",
      "getUser",
      "listUsers",
      "resendInvitation",
      "resetPassword",
      "updateUser",
    ]);
    expect(api.operation("createUser").statuses).toEqual([
      "200",
      "201",
      "400",
      "401",
      "403",
      "404",
      "409",
      "422",
      "429",
    ]);
    expect(api.operation("getUser")).toMatchObject({
      method: "GET",
      pathTemplate: "/v2/users/{user_id}",
      pointer: "#/paths/~1v2~1users~1{user_id}/get",
    });
  });
});

describe("operationFor maps requests to operations", () => {
  it.each([
    ["GET", "/v2/users?limit=5", "listUsers"],
    ["post", "/v2/users", "createUser"],
    ["GET", "/v2/users/VXNlcjoxMjM0NQ%3D%3D", "getUser"],
    ["PATCH", "/v2/users/abc", "updateUser"],
    ["DELETE", "/v2/users/abc", "deleteUser"],
    ["POST", "/v2/users/abc/resend-invitation", "resendInvitation"],
    ["POST", "/v2/users/abc/reset-password", "resetPassword"],
    ["POST", "/v2/users/abc/reset-password?x=1#top", "resetPassword"],
    ["DELETE", "/v2/users", undefined],
    ["GET", "/v2/users/abc/def", undefined],
    ["GET", "/v2/users/", "listUsers"],
    ["GET", "/v2/users/abc/", "getUser"],
    ["GET", "/v2/users//", undefined],
    ["GET", "/v2/usersX", undefined],
  ])("%s %s → %s", (method, path, operationId) => {
    expect(api.operationFor(method, path)?.operationId).toBe(operationId);
  });

  it("a path two templates match goes to the one with fewer parameters, whatever the spec's order", () => {
    const doc = {
      paths: {
        "/users/{id}": { get: { operationId: "byId", responses: {} } },
        "/users/me": { get: { operationId: "me", responses: {} } },
        "/a.b": { get: { operationId: "dotted", responses: {} } },
      },
    };
    const small = describeApi(doc);
    expect(small.operationFor("GET", "/users/me")?.operationId).toBe("me");
    expect(small.operationFor("GET", "/users/you")?.operationId).toBe("byId");
    expect(small.operationFor("GET", "/aXb")).toBeUndefined(); // a template's "." is a dot, not any character
  });
});
