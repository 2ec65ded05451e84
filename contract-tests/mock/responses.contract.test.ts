// Every operation × every documented status (and every named example), through the typed
// bindings: status, content type and body must satisfy both Prism and the engine's response checks.
// The table is written by hand on purpose: a status added to the spec without a test here
// shows up as ✗ in the coverage table and fails the run.
import { describe, expect, it } from "vitest";
import { AUTH, expectConforms, prefer, recorder, target } from "../harness/context.ts";
import { client, createUser, validCall, type OperationId } from "./calls.ts";

const rec = recorder();
const api = client(rec.fetch, AUTH);

const ERRORS = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
} as const;
type ErrorStatus = keyof typeof ERRORS;

const cases: [OperationId, ...(ErrorStatus | 200 | 201 | 204)[]][] = [
  ["listUsers", 200, 400, 401, 403, 429],
  ["createUser", 200, 201, 400, 401, 403, 404, 409, 422, 429],
  ["getUser", 200, 400, 401, 404, 429],
  ["updateUser", 200, 400, 401, 403, 404, 422, 429],
  ["deleteUser", 204, 400, 401, 403, 404, 429],
  ["resendInvitation", 204, 400, 401, 403, 404, 429],
  ["resetPassword", 204, 400, 401, 403, 404, 429],
];

describe.runIf(target === "mock")("every documented response of the mock conforms", () => {
  describe.each(cases.map(([op, ...statuses]) => ({ op, statuses })))("$op", ({ op, statuses }) => {
    it.each(statuses)("%i", async (status) => {
      const { data, error, response } = await validCall(api, op, prefer({ code: status }));
      expectConforms(rec.last(), op, status);
      expect(response.status).toBe(status);
      if (status >= 400) {
        // openapi-fetch hands the Problem over as `error`, typed from the spec.
        expect(error).toMatchObject({ status, title: ERRORS[status as ErrorStatus] });
        expect(data).toBeUndefined();
      } else {
        expect(error).toBeUndefined();
        if (status === 204) expect(rec.last().body).toBe("");
        else expect(data).toBeTypeOf("object");
      }
      if (status === 429) expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(0);
    });
  });

  describe("named examples", () => {
    it("listUsers 200 first_page: more to follow, with a cursor", async () => {
      const { data } = await api.GET("/v2/users", { headers: prefer({ code: 200, example: "first_page" }) });
      expectConforms(rec.last(), "listUsers", 200);
      expect(data?.pagination).toEqual({ has_more: true, next_cursor: expect.any(String) });
      expect(data?.users.map((u) => u.status)).toEqual(["active", "invited"]);
    });

    it("listUsers 200 last_page: no cursor", async () => {
      const { data } = await api.GET("/v2/users", { headers: prefer({ code: 200, example: "last_page" }) });
      expectConforms(rec.last(), "listUsers", 200);
      expect(data?.pagination).toEqual({ has_more: false });
    });

    it("createUser 201 created and temporary_password; 200 already_invited", async () => {
      const created = await createUser(api, prefer({ code: 201, example: "created" }));
      expectConforms(rec.last(), "createUser", 201);
      expect(created.data).not.toHaveProperty("temporary_password");
      expect(created.data?.role).toEqual({ type: "predefined", name: "member" });

      const withPassword = await createUser(api, prefer({ code: 201, example: "temporary_password" }));
      expectConforms(rec.last(), "createUser", 201);
      expect(withPassword.data).toHaveProperty("temporary_password", expect.any(String));

      const existing = await createUser(api, prefer({ code: 200, example: "already_invited" }));
      expectConforms(rec.last(), "createUser", 200);
      expect(existing.data?.status).toBe("invited");
    });
  });
});
