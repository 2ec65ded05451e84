// Conformance mode, read-only part: auth, listing and reading, and every constraint of the list
// and get requests refused by the server itself. Runs only against a live server.
import { isDeepStrictEqual } from "node:util";
import { beforeAll, describe, it } from "vitest";
import { check, expectRefused, ghostId, guardFindings, live, runId, send, writes, type Res } from "./conform.ts";

interface User { id: string; email: string; status: string; created_at: string; [k: string]: unknown }
interface Page { users?: User[]; pagination?: { has_more?: boolean; next_cursor?: string } }

const LIST = "listUsers";
const MAX_PAGES = 200; // of 100: an account of 20 000 users still ends

/**
 * Follows next_cursor from the first page; records findings on limit and repeats. With
 * `maxPages` (a sample of a big account), stops there quietly; without, pagination must end.
 */
async function walk(query: string, limit: number, maxPages?: number): Promise<{ users: User[]; first: Res | undefined }> {
  const seen = new Map<string, User>();
  let first: Res | undefined;
  const done = () => ({ users: [...seen.values()], first });
  let cursor: string | undefined;
  for (let page = 0; page < (maxPages ?? MAX_PAGES); page++) {
    const res = await send({ operation: LIST, method: "GET", path: `/v2/users?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}` });
    first ??= res;
    if (!check(res.status === 200, res, LIST, "list answers 200", `GET with limit=${limit}${query} must answer 200.`)) return done();
    const body = res.json as Page;
    const users = body.users ?? [];
    check(users.length <= limit, res, LIST, "limit is respected", `limit=${limit} but the page holds ${users.length} users.`);
    for (const u of users) {
      check(!seen.has(u.id), res, LIST, "pagination yields no user twice", `User ${u.id} came back twice (repeated across pages).`);
      seen.set(u.id, u);
    }
    const next = body.pagination?.next_cursor;
    if (!body.pagination?.has_more) return done();
    if (!check(typeof next === "string" && next !== cursor, res, LIST, "pagination ends", `has_more is true but next_cursor is ${JSON.stringify(next)} (missing or the same as before).`)) return done();
    cursor = next;
  }
  if (maxPages === undefined) check(false, first, LIST, "pagination ends", `Still has_more after ${MAX_PAGES} pages of ${limit}.`);
  return done();
}

const sortedByCreatedAt = (users: User[]) => users.every((u, i) => i === 0 || Date.parse(users[i - 1]!.created_at) <= Date.parse(u.created_at));

describe.runIf(live)("conformance: auth", () => {
  guardFindings();
  const cases: [string, string | null][] = [["no credentials", null], ["a bogus key", `Bearer bogus-${runId}`]];
  it.each(cases)("%s gets 401 (every operation with writes allowed, list and get without)", async (what, auth) => {
    // An id that exists nowhere: should a server ignore credentials, nothing real is touched.
    const id = ghostId("auth");
    for (const [operation, method, path, body] of [
      [LIST, "GET", "/v2/users", undefined],
      ["getUser", "GET", `/v2/users/${id}`, undefined],
      // Read-only runs send no writing request at all, not even one that should be refused. A run
      // allowed to write risks a create (its email carries the run id: the teardown sweeps it).
      ...(writes
        ? ([
            ["createUser", "POST", "/v2/users", { name: "Nobody", email: `nobody.${runId}@example.com`, role: { type: "predefined", name: "member" }, invite_mode: "none" }],
            ["updateUser", "PATCH", `/v2/users/${id}`, { name: "Nobody" }],
            ["deleteUser", "DELETE", `/v2/users/${id}`, undefined],
            ["resendInvitation", "POST", `/v2/users/${id}/resend-invitation`, undefined],
            ["resetPassword", "POST", `/v2/users/${id}/reset-password`, undefined],
          ] as const)
        : []),
    ] as const) {
      const res = await send({ operation, method, path, body, auth, via: "direct" });
      check(res.status === 401, res, operation, `${what} → 401`, `A request with ${what} must get 401.`);
    }
  });
});

describe.runIf(live)("conformance: listUsers behaviour", () => {
  guardFindings();
  let all: User[] = [];
  beforeAll(async () => {
    all = (await walk("", 100)).users;
  });

  it("pages of 2 (the first 20) yield every user once, sorted by created_at; pages of 100 end", async () => {
    const { users: small, first } = await walk("", 2, 20);
    check(sortedByCreatedAt(small), first, LIST, "sorted by created_at, oldest first", `Order seen: ${small.map((u) => u.created_at).join(", ")}`);
    check(sortedByCreatedAt(all), undefined, LIST, "sorted by created_at, oldest first", `Order seen (limit=100): ${all.map((u) => u.created_at).join(", ")}`);
  });

  it("limit=1 gives one user and says there is more", async () => {
    const res = await send({ operation: LIST, method: "GET", path: "/v2/users?limit=1" });
    const body = res.json as Page;
    check((body.users ?? []).length <= 1, res, LIST, "limit is respected", "limit=1 must give at most one user.");
    if (all.length > 1) check(body.pagination?.has_more === true, res, LIST, "has_more while users remain", `${all.length} users exist, limit=1 must say has_more.`);
  });

  it.each(["active", "invited", "expired"])("status filter %s keeps exactly those users", async (status) => {
    const { users: got, first } = await walk(`&status=${status}`, 100);
    const wrong = got.filter((u) => u.status !== status);
    check(wrong.length === 0, first, LIST, "status filter applied", `status=${status} returned users in other statuses: ${wrong.map((u) => `${u.id} (${u.status})`).join(", ")}.`);
    const expected = all.filter((u) => u.status === status).length;
    check(got.length === expected, first, LIST, "status filter applied", `status=${status} returned ${got.length} users, the unfiltered list holds ${expected} in that status.`);
  });

  it("several statuses (repeated parameter) keep the union", async () => {
    const { users: got, first } = await walk("&status=active&status=invited", 100);
    const wrong = got.filter((u) => u.status !== "active" && u.status !== "invited");
    check(wrong.length === 0, first, LIST, "status filter applied", `status=active&status=invited returned: ${wrong.map((u) => `${u.id} (${u.status})`).join(", ")}.`);
  });

  it("email filter is a case-insensitive substring match", async () => {
    const target = all[0];
    if (!target) return;
    const needle = target.email.split("@")[0]!.slice(0, 6);
    const swapped = [...needle].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");
    const { users: got, first } = await walk(`&email=${encodeURIComponent(swapped)}`, 100);
    check(got.some((u) => u.id === target.id), first, LIST, "email filter applied (case-insensitive substring)", `email=${swapped} must find ${target.email} (${target.id}); got ${got.map((u) => u.email).join(", ") || "nobody"}.`);
    const wrong = got.filter((u) => !u.email.toLowerCase().includes(needle.toLowerCase()));
    check(wrong.length === 0, first, LIST, "email filter applied (case-insensitive substring)", `email=${swapped} returned non-matching users: ${wrong.map((u) => u.email).join(", ")}.`);
  });

  it("get returns each user as listed", async () => {
    for (const u of all.slice(0, 3)) {
      const res = await send({ operation: "getUser", method: "GET", path: `/v2/users/${encodeURIComponent(u.id)}` });
      check(res.status === 200 && isDeepStrictEqual(res.json, u), res, "getUser", "get returns the user as listed", `The list shows ${JSON.stringify(u)}.`);
    }
  });

  it("an unknown (well-formed) id gets 404", async () => {
    const id = ghostId("unknown");
    const res = await send({ operation: "getUser", method: "GET", path: `/v2/users/${id}` });
    check(res.status === 404, res, "getUser", "unknown id → 404", `GET of an id that does not exist must answer 404.`);
  });
});

describe.runIf(live)("conformance: list and get refuse what the spec forbids", () => {
  guardFindings();
  const list: [string, string][] = [
    ["limit=0 (minimum 1)", "limit=0"],
    ["limit=101 (maximum 100)", "limit=101"],
    ["limit=-1", "limit=-1"],
    ["limit=abc (integer)", "limit=abc"],
    ["limit=1.5 (integer)", "limit=1.5"],
    ["cursor empty (minLength 1)", "cursor="],
    ["email filter of 256 characters (maxLength 255)", `email=${"a".repeat(256)}`],
    ["status=unknown (enum)", "status=unknown"],
    ["status=ACTIVE (enum is lower case)", "status=ACTIVE"],
    ["status empty (enum)", "status="],
  ];
  it.each(list)("listUsers %s", async (what, query) => {
    await expectRefused({ operation: LIST, method: "GET", path: `/v2/users?${query}` }, what);
  });
  it.each([["id with characters outside base64", "not*an*id"], ["id with a space", "a%20b"]])("getUser %s", async (what, id) => {
    await expectRefused({ operation: "getUser", method: "GET", path: `/v2/users/${id}` }, what);
  });
});
