// findByEmail and deleteMany on a fake API: pagination, exact vs substring match, letter case,
// duplicates, partial failures, bounded concurrency, abort, arguments refused before sending.
import { describe, expect, it } from "vitest";
import {
  ArizeAbortError,
  ArizeError,
  AuthenticationError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
} from "../../src/index.ts";
import { BASE, client, hang, json, problem, raw, rejection, transport, user } from "./helpers.ts";

type Step = Parameters<typeof transport>[0];

const idOf = (email: string) => `id-${email.toLowerCase()}`;
/** One list page holding users with these emails (ids from idOf unless given as [email, id]). */
const page = (emails: (string | [string, string])[], next?: string) =>
  json(200, {
    users: emails.map((e) =>
      typeof e === "string" ? user({ id: idOf(e), email: e }) : user({ email: e[0], id: e[1] }),
    ),
    pagination: next ? { has_more: true, next_cursor: next } : { has_more: false },
  });
const deleted = raw(204, null);

/** A fake API that answers each request by its route, e.g. "DELETE /v2/users/id-a" (decoded). */
const api = (route: (line: string) => Step) =>
  transport((req, signal) => route(`${req.method} ${decodeURIComponent(req.url.slice(BASE.length))}`)(req, signal));
const routes = (calls: { method: string; url: string }[]) =>
  calls.map((c) => `${c.method} ${decodeURIComponent(c.url.slice(BASE.length))}`);

describe("findByEmail", () => {
  it("follows every page, 100 users a request, and keeps only the exact match, in any letter case", async () => {
    const t = transport(
      page(["ajo@example.com", "jo@example.com.au"], "c1"),
      page(["Jo@Example.COM", "xjo@example.com"], "c2"),
      page(["jo@example.community"]),
    );
    const found = await client(t.fetch).users.findByEmail("jo@EXAMPLE.com");
    expect(found).toEqual(user({ id: idOf("Jo@Example.COM"), email: "Jo@Example.COM" }));
    expect(routes(t.calls)).toEqual([
      "GET /v2/users?email=jo@EXAMPLE.com&limit=100",
      "GET /v2/users?email=jo@EXAMPLE.com&limit=100&cursor=c1",
      "GET /v2/users?email=jo@EXAMPLE.com&limit=100&cursor=c2",
    ]);
  });

  it("substring matches only: undefined, after reading every page", async () => {
    const t = transport(page(["ajo@example.com"], "c1"), page(["jo@example.com.au"]));
    expect(await client(t.fetch).users.findByEmail("jo@example.com")).toBeUndefined();
    expect(t.calls).toHaveLength(2);
  });

  it("two exact matches (on different pages) are an ArizeError naming the email and both ids", async () => {
    const t = transport(page([["jo@example.com", "A1"]], "c1"), page([["JO@example.com", "B2"]]));
    const e = await rejection(client(t.fetch).users.findByEmail("jo@example.com"));
    expect(e).toBeInstanceOf(ArizeError);
    expect(e.message).toBe('2 users have the email "jo@example.com" (ids "A1", "B2"); expected at most one');
  });

  it("has list's retry policy and errors: a 503 is retried, a 401 is not", async () => {
    const retried = transport(problem(503, "Busy", { "retry-after": "0.001" }), page(["jo@example.com"]));
    expect(await client(retried.fetch).users.findByEmail("jo@example.com")).toMatchObject({
      id: idOf("jo@example.com"),
    });
    expect(retried.calls).toHaveLength(2);
    const refused = transport(problem(401, "Unauthorized"));
    expect(await rejection(client(refused.fetch).users.findByEmail("jo@example.com"))).toBeInstanceOf(
      AuthenticationError,
    );
    expect(refused.calls).toHaveLength(1);
  });

  it("takes the per-call signal", async () => {
    const t = transport(hang);
    const e = await rejection(client(t.fetch).users.findByEmail("jo@example.com", { signal: AbortSignal.timeout(20) }));
    expect(e).toBeInstanceOf(ArizeAbortError);
  });

  // 255 code points (the spec's maxLength counts them, as JSON Schema does) are allowed: 510 UTF-16 units.
  it("an email of 255 characters, counted as code points, is sent", async () => {
    const t = transport(page([]));
    await client(t.fetch).users.findByEmail("😀".repeat(255));
    expect(t.calls).toHaveLength(1);
  });

  it.each([
    ["", '"" (an email address, not blank)'],
    [" \t", '" \\t" (an email address, not blank)'],
    [42, "42 (an email address, not blank)"],
    [undefined, "undefined (an email address, not blank)"],
    [null, "null (an email address, not blank)"],
    [" jo@example.com", '" jo@example.com" (white space around it: no email has any)'],
    ["jo@example.com\n", '"jo@example.com\\n" (white space around it: no email has any)'],
    ["😀".repeat(256), `"${"😀".repeat(256)}" (over 255 characters, the limit of the email filter)`],
    ["\ud800@example.com", '"\\ud800@example.com" (a lone surrogate: not text a URL can carry)'],
  ])("%j is refused before anything is sent", async (email, why) => {
    const t = transport(page([]));
    const e = await rejection(client(t.fetch).users.findByEmail(email as string));
    expect(e).toBeInstanceOf(ArizeError);
    expect(e.message).toBe(`Invalid email: ${why}`);
    expect(t.calls).toHaveLength(0);
  });
});

describe("deleteMany", () => {
  it("one result per input, ids then emails in the order given; each user deleted once", async () => {
    const t = api((line) => {
      const search = line.toLowerCase();
      if (search.startsWith("get /v2/users?email=ann@")) return page(["ann@example.com", "joann@example.com"]);
      if (search.startsWith("get /v2/users?email=bob@")) return page(["Bob@Example.com"]);
      if (line.startsWith("GET /v2/users?email=")) return page(["xnobody@example.com"]);
      return deleted;
    });
    const results = await client(t.fetch).users.deleteMany({
      ids: ["id-bob@example.com", "u1", "u1"],
      emails: ["ann@example.com", "nobody@example.com", "BOB@example.com", "Ann@Example.com"],
    });
    expect(results).toEqual([
      { input: "id-bob@example.com", userId: "id-bob@example.com", status: "deleted" },
      { input: "u1", userId: "u1", status: "deleted" },
      { input: "u1", userId: "u1", status: "deleted" },
      { input: "ann@example.com", userId: "id-ann@example.com", status: "deleted" },
      { input: "nobody@example.com", status: "not_found" },
      { input: "BOB@example.com", userId: "id-bob@example.com", status: "deleted" },
      { input: "Ann@Example.com", userId: "id-ann@example.com", status: "deleted" },
    ]);
    // Three searches (ann in either case once); three deletes (bob named by id and by email once).
    expect(routes(t.calls).sort()).toEqual(
      [
        "DELETE /v2/users/id-ann@example.com",
        "DELETE /v2/users/id-bob@example.com",
        "DELETE /v2/users/u1",
        "GET /v2/users?email=BOB@example.com&limit=100",
        "GET /v2/users?email=nobody@example.com&limit=100",
        "GET /v2/users?email=Ann@Example.com&limit=100",
      ].sort(),
    );
    // Searches come first: no delete before every email is resolved.
    expect(
      routes(t.calls)
        .slice(0, 3)
        .every((r) => r.startsWith("GET")),
    ).toBe(true);
  });

  it("ids only: nothing is listed", async () => {
    const t = transport(deleted);
    expect(await client(t.fetch).users.deleteMany({ ids: ["a", "b"] })).toEqual([
      { input: "a", userId: "a", status: "deleted" },
      { input: "b", userId: "b", status: "deleted" },
    ]);
    expect(routes(t.calls)).toEqual(["DELETE /v2/users/a", "DELETE /v2/users/b"]);
  });

  it("a 404 for an id is not_found with the server's error; a failure never stops the others", async () => {
    const t = api((line) => {
      if (line === "DELETE /v2/users/gone") return problem(404, "Not Found");
      if (line === "DELETE /v2/users/locked") return problem(403, "Forbidden");
      if (line === "DELETE /v2/users/broken") return problem(500, "Oops");
      if (line.startsWith("GET /v2/users?email=down@")) return problem(500, "Search down");
      if (line.startsWith("GET /v2/users?email=twice@"))
        return page([
          ["twice@example.com", "T1"],
          ["Twice@example.com", "T2"],
        ]);
      return line.startsWith("GET") ? page(["ok@example.com"]) : deleted;
    });
    const results = await client(t.fetch, { maxRetries: 0 }).users.deleteMany({
      ids: ["gone", "locked", "broken", "fine"],
      emails: ["down@example.com", "twice@example.com", "ok@example.com"],
    });
    expect(results.map((r) => [r.input, r.status, r.userId, r.error?.name])).toEqual([
      ["gone", "not_found", "gone", "NotFoundError"],
      ["locked", "failed", "locked", "PermissionDeniedError"],
      ["broken", "failed", "broken", "InternalServerError"],
      ["fine", "deleted", "fine", undefined],
      ["down@example.com", "failed", undefined, "InternalServerError"],
      ["twice@example.com", "failed", undefined, "ArizeError"],
      ["ok@example.com", "deleted", idOf("ok@example.com"), undefined],
    ]);
    expect(results[0]!.error).toBeInstanceOf(NotFoundError);
    expect(results[1]!.error).toBeInstanceOf(PermissionDeniedError);
    expect(results[4]!.error).toBeInstanceOf(InternalServerError);
    expect(results[5]!.error?.message).toBe(
      '2 users have the email "twice@example.com" (ids "T1", "T2"); expected at most one',
    );
    // Neither user of the ambiguous email is deleted.
    expect(routes(t.calls).filter((r) => r.includes("/T"))).toEqual([]);
  });

  it("deletes with delete's retry policy (idempotent: a 503 is retried)", async () => {
    const t = transport(problem(503, "Busy", { "retry-after": "0.001" }), deleted);
    expect(await client(t.fetch).users.deleteMany({ ids: ["a"] })).toEqual([
      { input: "a", userId: "a", status: "deleted" },
    ]);
    expect(t.calls).toHaveLength(2);
  });

  describe("concurrency", () => {
    /** A fake API whose answers take 10 ms, counting requests in flight. */
    const slow = () => {
      let now = 0;
      let most = 0;
      const t = api((line) => async (req, signal) => {
        most = Math.max(most, ++now);
        await new Promise((r) => setTimeout(r, 10));
        now--;
        return (line.startsWith("GET") ? page([line.split("=")[1]!.split("&")[0]!]) : deleted)(req, signal);
      });
      return { ...t, most: () => most };
    };
    const ids = Array.from({ length: 10 }, (_, i) => `u${i}`);
    const emails = Array.from({ length: 6 }, (_, i) => `e${i}@example.com`);

    it.each([
      [undefined, 4],
      [1, 1],
      [3, 3],
    ])("concurrency %s: at most %i requests in flight, searches and deletes alike", async (concurrency, most) => {
      const s = slow();
      const results = await client(s.fetch).users.deleteMany({ ids, emails }, { concurrency });
      expect(results.every((r) => r.status === "deleted")).toBe(true);
      expect(s.calls).toHaveLength(6 + 16);
      expect(s.most()).toBe(most);
    });
  });

  describe("abort", () => {
    it("stops sending: the delete in flight is failed (it may have reached the server), the rest not_attempted", async () => {
      const ac = new AbortController();
      const t = api((line) => {
        if (line === "DELETE /v2/users/b") {
          setTimeout(() => ac.abort(), 5);
          return hang;
        }
        return deleted;
      });
      const results = await client(t.fetch).users.deleteMany(
        { ids: ["a", "b", "c", "d"] },
        { concurrency: 1, signal: ac.signal },
      );
      expect(results.map((r) => [r.input, r.status, r.userId, r.error?.name])).toEqual([
        ["a", "deleted", "a", undefined],
        ["b", "failed", "b", "ArizeAbortError"],
        ["c", "not_attempted", "c", "ArizeAbortError"],
        ["d", "not_attempted", "d", "ArizeAbortError"],
      ]);
      expect(results[2]!.error?.message).toBe("Not attempted: aborted before this delete was sent");
      expect(routes(t.calls)).toEqual(["DELETE /v2/users/a", "DELETE /v2/users/b"]);
    });

    it("during the searches: nothing is deleted, every input not_attempted", async () => {
      const ac = new AbortController();
      const t = api(() => {
        setTimeout(() => ac.abort(), 5);
        return hang;
      });
      const results = await client(t.fetch).users.deleteMany(
        { ids: ["a"], emails: ["x@example.com", "y@example.com"] },
        { concurrency: 1, signal: ac.signal },
      );
      expect(results.map((r) => [r.input, r.status, r.userId])).toEqual([
        ["a", "not_attempted", "a"],
        ["x@example.com", "not_attempted", undefined],
        ["y@example.com", "not_attempted", undefined],
      ]);
      for (const r of results) expect(r.error).toBeInstanceOf(ArizeAbortError);
      expect(routes(t.calls)).toEqual(["GET /v2/users?email=x@example.com&limit=100"]);
    });

    it("an already aborted signal sends nothing and resolves, every input not_attempted", async () => {
      const t = transport(deleted);
      const results = await client(t.fetch).users.deleteMany(
        { ids: ["a"], emails: ["x@example.com"] },
        { signal: AbortSignal.abort() },
      );
      expect(results.map((r) => r.status)).toEqual(["not_attempted", "not_attempted"]);
      expect(t.calls).toHaveLength(0);
    });
  });

  it.each([
    ["nothing", {}, "Invalid targets: no ids and no emails; nothing to delete"],
    ["empty lists", { ids: [], emails: [] }, "Invalid targets: no ids and no emails; nothing to delete"],
    ["the official client's userIds", { userIds: ["a"] }, "Invalid targets: no ids and no emails; nothing to delete"],
    ["an array", ["a"], "Invalid targets: object (an object: { ids?, emails? })"],
    ["undefined", undefined, "Invalid targets: undefined (an object: { ids?, emails? })"],
    ["ids as one string", { ids: "a" }, 'Invalid ids: "a" (an array)'],
    ["emails as one string", { emails: "x@example.com" }, 'Invalid emails: "x@example.com" (an array)'],
    ["a blank id", { ids: ["a", " "] }, 'Invalid ids[1]: " " (a user id is a string that is not blank, "." or "..")'],
    ["a dot-dot id", { ids: [".."] }, 'Invalid ids[0]: ".." (a user id is a string that is not blank, "." or "..")'],
    ["a number id", { ids: [7] }, 'Invalid ids[0]: 7 (a user id is a string that is not blank, "." or "..")'],
    [
      "a hole",
      // biome-ignore lint/suspicious/noSparseArray: the hole is the case
      { ids: ["a", , "b"] },
      'Invalid ids[1]: undefined (a user id is a string that is not blank, "." or "..")',
    ],
    ["a blank email", { emails: [""] }, 'Invalid emails[0]: "" (an email address, not blank)'],
    [
      "a padded email",
      { ids: ["a"], emails: ["x@example.com "] },
      'Invalid emails[0]: "x@example.com " (white space around it: no email has any)',
    ],
    [
      "a long email",
      { emails: [`${"a".repeat(244)}@example.com`] },
      `Invalid emails[0]: "${"a".repeat(244)}@example.com" (over 255 characters, the limit of the email filter)`,
    ],
  ])("%s is refused before anything is sent", async (_, targets, message) => {
    const t = transport(deleted);
    const e = await rejection(client(t.fetch).users.deleteMany(targets as never));
    expect(e).toBeInstanceOf(ArizeError);
    expect(e.message).toBe(message);
    expect(t.calls).toHaveLength(0);
  });

  it.each([
    [0, "0"],
    [1.5, "1.5"],
    [Number.NaN, "NaN"],
    ["4", '"4"'],
  ])("concurrency %j is refused before anything is sent", async (concurrency, shown) => {
    const t = transport(deleted);
    const e = await rejection(client(t.fetch).users.deleteMany({ ids: ["a"] }, { concurrency: concurrency as number }));
    expect(e.message).toBe(`Invalid concurrency: ${shown} (an integer from 1)`);
    expect(t.calls).toHaveLength(0);
  });
});
