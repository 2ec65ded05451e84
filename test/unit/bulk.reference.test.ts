// findByEmail and deleteMany against the reference server (contract-tests/reference-server), an
// in-memory users API that follows the spec: a real substring filter, cursors, 404s, idempotent
// deletes, and a 429 (Retry-After: 0) on every 40th request, which the retries must absorb.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReferenceServer, type ReferenceServer } from "../../contract-tests/reference-server/server.ts";
import { createUsersClient, type LogEntry, NotFoundError, type UsersClient } from "../../src/index.ts";
import { KEY, rejection } from "./helpers.ts";

/** A well-formed id (the spec's pattern) that belongs to no user. */
const UNKNOWN_ID = Buffer.from("User:99999").toString("base64");
/** More users than one page of the email search holds (100), each email containing "jo@example.com". */
const NEAR_MISSES = Array.from({ length: 101 }, (_, i) => `u${i}.jo@example.com`);

let server: ReferenceServer;
let arize: UsersClient;
/** Every attempt the client made, in order. */
const log: LogEntry[] = [];
/** The attempts `run` made. */
const during = async <T>(run: () => Promise<T>) => {
  const from = log.length;
  const value = await run();
  return { value, attempts: log.slice(from) };
};
/** A new active user, as the list shows it (without the 201's invite_mode). */
const create = async (email: string) => {
  const { user } = await arize.users.create({
    name: email.split("@")[0]!,
    email,
    role: { type: "predefined", name: "member" },
    invite_mode: "none",
  });
  const { invite_mode: _, ...listed } = user;
  return listed;
};
let jo: Awaited<ReturnType<typeof create>>;

beforeAll(async () => {
  server = await startReferenceServer({ apiKey: KEY });
  arize = createUsersClient({ apiKey: KEY, baseUrl: server.url, logger: (e) => log.push(e) });
  for (const email of NEAR_MISSES) await create(email);
  // Created last, so the server lists it after the 101 near misses: on the search's second page.
  jo = await create("jo@example.com");
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe("findByEmail against the reference server", () => {
  it("finds the exact match on the second page of the substring search, in any letter case", async () => {
    const { value, attempts } = await during(() => arize.users.findByEmail("JO@Example.com"));
    expect(value).toEqual(jo);
    const pages = attempts.filter((a) => a.status === 200).map((a) => new URL(a.url).searchParams);
    expect(pages.map((q) => [q.get("limit"), q.has("cursor")])).toEqual([
      ["100", false],
      ["100", true],
    ]);
  });

  it("a substring of many emails, a deleted user's email and a stranger's are not found; the seed's mixed case is", async () => {
    expect(await arize.users.findByEmail("o@example.com")).toBeUndefined();
    expect(await arize.users.findByEmail("hal.gone@example.org")).toBeUndefined(); // deleted in the seed
    expect(await arize.users.findByEmail("nobody@example.org")).toBeUndefined();
    expect(await arize.users.findByEmail("ben.member@EXAMPLE.ORG")).toMatchObject({ email: "Ben.Member@example.org" });
  });
});

describe("deleteMany against the reference server", () => {
  it("ids and emails mixed: each user deleted once, unknowns not_found, and the server agrees afterwards", async () => {
    const kim = await create("Kim.Lee@Example.net");
    const pat = await create("pat@example.net");
    const { value: results, attempts } = await during(() =>
      arize.users.deleteMany({
        ids: [kim.id, UNKNOWN_ID, kim.id],
        emails: ["kim.lee@example.NET", "nobody@example.net", "pat@example.net"],
      }),
    );
    expect(results.map((r) => [r.input, r.status, r.userId])).toEqual([
      [kim.id, "deleted", kim.id],
      [UNKNOWN_ID, "not_found", UNKNOWN_ID],
      [kim.id, "deleted", kim.id],
      ["kim.lee@example.NET", "deleted", kim.id],
      ["nobody@example.net", "not_found", undefined],
      ["pat@example.net", "deleted", pat.id],
    ]);
    expect(results[1]!.error).toBeInstanceOf(NotFoundError);
    const deletes = attempts.filter((a) => a.method === "DELETE" && a.status !== 429);
    expect(deletes.map((a) => decodeURIComponent(a.url.split("/").pop()!)).sort()).toEqual(
      [kim.id, UNKNOWN_ID, pat.id].sort(),
    );
    for (const id of [kim.id, pat.id]) expect(await rejection(arize.users.get(id))).toBeInstanceOf(NotFoundError);
    expect(await arize.users.findByEmail("pat@example.net")).toBeUndefined();
    expect(await arize.users.findByEmail("jo@example.com")).toEqual(jo);
  });

  it("a user deleted before counts as deleted by id (delete is idempotent); by email it is no longer found", async () => {
    const once = await create("once@example.net");
    await arize.users.delete(once.id);
    expect(await arize.users.deleteMany({ ids: [once.id], emails: ["once@example.net"] })).toEqual([
      { input: once.id, userId: once.id, status: "deleted" },
      { input: "once@example.net", status: "not_found" },
    ]);
  });

  it("45 users by email, 90 requests and more: the server's 429s are absorbed by the retries", async () => {
    const emails = Array.from({ length: 45 }, (_, i) => `bulk${i}@example.net`);
    for (const email of emails) await create(email);
    const { value: results, attempts } = await during(() => arize.users.deleteMany({ emails }));
    expect(results.map((r) => r.status)).toEqual(emails.map(() => "deleted"));
    // The server refuses every 40th request: 90 requests meet at least two refusals.
    expect(attempts.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(2);
    for await (const u of arize.users.listAll({ email: "bulk" })) expect(emails).not.toContain(u.email);
  }, 30_000);
});
