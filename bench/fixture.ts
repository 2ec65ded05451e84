// The one User the benchmark server returns: the spec's `UserResponse` example, typed against the
// generated schema so `npm run lint` fails if it stops matching openapi/users.yaml.
import type { components } from "../generated/users.ts";

export const user = {
  id: "VXNlcjoxMjM0NQ==",
  name: "Jane Smith",
  email: "jane.smith@example.com",
  created_at: "2024-01-01T12:00:00Z",
  status: "active",
  role: { type: "predefined", name: "member" },
  is_developer: true,
} as const satisfies components["schemas"]["User"];
