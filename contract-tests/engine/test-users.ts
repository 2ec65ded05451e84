// Users, pages and answers for the engine's unit tests: small, predictable, different by number.
import type { User } from "./judges.ts";
import type { Page } from "./properties.ts";
import type { Exchange } from "./runner.ts";

/** User n: id`n`, U`n`, u`n`@example.com, created on January n, an active member; `over` changes any field. */
export const user = (n: number, over: Partial<User> = {}): User => ({
  id: `id${n}`,
  name: `U${n}`,
  email: `u${n}@example.com`,
  created_at: `2024-01-0${n}T00:00:00Z`,
  status: "active",
  role: { type: "predefined", name: "member" },
  is_developer: true,
  ...over,
});

/** An answer of `status` with `json` as its body (none when undefined). */
export const answer = (status: number, json?: unknown): Exchange => ({
  request: { method: "GET", url: "http://127.0.0.1:9/v2/users", headers: {} },
  status,
  headers: {},
  body: json === undefined ? "" : JSON.stringify(json),
  json,
});

/** A page of the list; a page with more to follow has a cursor unless one is given. */
export const page = (
  users: User[],
  hasMore: boolean,
  nextCursor: string | undefined = hasMore ? "c" : undefined,
): Page => ({ users, hasMore, nextCursor, exchange: answer(200) });
