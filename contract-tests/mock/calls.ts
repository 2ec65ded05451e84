// One valid, typed request per operation, built with openapi-fetch on the generated `paths`.
import createClient from "openapi-fetch";
import type { components, paths } from "../../generated/users.ts";
import { prismUrl } from "../harness/context.ts";

export type Api = ReturnType<typeof createClient<paths>>;
export type OperationId =
  | "listUsers"
  | "createUser"
  | "getUser"
  | "updateUser"
  | "deleteUser"
  | "resendInvitation"
  | "resetPassword";

export const USER_ID = "VXNlcjoxMjM0NQ==";
const path = { path: { user_id: USER_ID } };

/** A client on the mock (or the proxy) whose every exchange lands in `fetch`'s recorder. */
export const client = (fetch: typeof globalThis.fetch, headers: Record<string, string> = {}): Api =>
  createClient<paths>({ baseUrl: prismUrl, fetch, headers });

export const NEW_USER = {
  name: "Jane Smith",
  email: "jane.smith@example.com",
  role: { type: "predefined", name: "member" },
  invite_mode: "email_link",
} as const satisfies components["schemas"]["CreateUserRequest"];

export const createUser = (api: Api, headers: Record<string, string> = {}) =>
  api.POST("/v2/users", { body: NEW_USER, headers });

export const validCall = (api: Api, op: OperationId, headers: Record<string, string> = {}) => {
  switch (op) {
    case "listUsers":
      return api.GET("/v2/users", {
        params: { query: { limit: 10, status: ["active", "invited"], email: "example.com" } },
        headers,
      });
    case "createUser":
      return createUser(api, headers);
    case "getUser":
      return api.GET("/v2/users/{user_id}", { params: path, headers });
    case "updateUser":
      return api.PATCH("/v2/users/{user_id}", { params: path, body: { name: "Jane Q. Smith" }, headers });
    case "deleteUser":
      return api.DELETE("/v2/users/{user_id}", { params: path, headers });
    case "resendInvitation":
      return api.POST("/v2/users/{user_id}/resend-invitation", { params: path, headers });
    case "resetPassword":
      return api.POST("/v2/users/{user_id}/reset-password", { params: path, headers });
  }
};

export const OPERATIONS: OperationId[] = [
  "listUsers",
  "createUser",
  "getUser",
  "updateUser",
  "deleteUser",
  "resendInvitation",
  "resetPassword",
];
