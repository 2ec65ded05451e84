// Every clause of the spec has an assertion, every assertion cites clauses the spec has, and every
// assertion fires: FIRING gives each registered assertion broken inputs, and the test checks that
// it reports them under the clauses it is registered with, all of them.
import { describe, expect, it } from "vitest";
import {
  ASSERTIONS,
  type ClauseId,
  type ClauseObservation,
  ClauseTally,
  claim,
  renderClauseTable,
  specClauses,
} from "./clauses.ts";
import {
  type CreateBody,
  judgeCreated,
  judgeCreatedAgain,
  judgeDeleted,
  judgeGone,
  judgeListing,
  judgeRead,
  judgeStateRefusal,
  judgeUpdated,
  type KnownUser,
  type User,
} from "./judges.ts";
import {
  baseline,
  checkExactly,
  checkLimit,
  checkNoRepeats,
  checkNoSecretListed,
  checkOrder,
  checkStatusFilter,
  checkUnknownId,
  cursorProblem,
  type Sender,
} from "./properties.ts";
import { describeApi, loadApi } from "./spec.ts";
import { answer, page, user } from "./test-users.ts";

const api = await loadApi();

const many = (n: number) => Array.from({ length: n }, (_, i) => user(1, { id: `id${i}` }));
const walkOf = (users: User[], complete = true) => ({ users, pages: [page(users, false)], complete });
const known = (u: User, over: Partial<KnownUser> = {}): KnownUser => ({
  view: u,
  deleted: false,
  last: { kind: "listed" },
  seenListed: true,
  ...over,
});
const body = (over: Partial<CreateBody> = {}): CreateBody => ({
  name: "U1",
  email: "u1@example.com",
  role: { type: "predefined", name: "member" },
  invite_mode: "email_link",
  ...over,
});
/** A sender whose list never ends: every page full (100 new users, in order) and has_more, with a new cursor. */
let served = 0;
const endless: Sender = {
  async send() {
    const users = Array.from({ length: 100 }, () => user(1, { id: `id${++served}` }));
    return {
      exchange: answer(200, { users, pagination: { has_more: true, next_cursor: `c${served}` } }),
      observations: [],
    };
  },
};

type Firing = (tally: ClauseTally) => ClauseObservation[] | Promise<ClauseObservation[]>;

/** Per assertion, inputs that break what it asserts (each case breaks at least one clause). */
const FIRING: Record<string, Firing[]> = {
  checkLimit: [
    (t) => checkLimit([page([user(1), user(2), user(3)], false)], 2, t),
    (t) => checkLimit([page([user(1)], true)], 2, t),
    (t) => checkLimit([page([user(1), user(2)], true)], undefined, t), // has_more, yet fewer than 50
    (t) => checkLimit([page(many(51), false)], undefined, t), // more than 50
  ],
  checkNoRepeats: [(t) => checkNoRepeats([page([user(1)], true), page([user(1)], false)], 1, t)],
  cursorProblem: [
    (t) => cursorProblem({ ...page([user(1)], true), nextCursor: undefined }, undefined, "q", t),
    (t) => cursorProblem(page([user(1)], true, "c1"), "c1", "q", t),
  ],
  baseline: [async (t) => (await baseline(endless, t)).observations as ClauseObservation[]],
  checkOrder: [(t) => checkOrder([user(2), user(1)], undefined, "q", t)],
  checkNoSecretListed: [(t) => checkNoSecretListed([user(1, { temporary_password: "x" })], answer(200), t)],
  checkExactly: [
    (t) => checkExactly("pagination_complete.same_users_any_limit", [user(1)], [user(1), user(2)], "w", undefined, t),
    (t) => checkExactly("filter_email.exact", [user(1), user(2)], [user(1)], "w", undefined, t),
  ],
  checkStatusFilter: [
    (t) => checkStatusFilter([], [user(1)], ["active"], "status=active", undefined, t),
    (t) => checkStatusFilter([user(9, { status: "invited" })], [], ["invited"], "status=invited", undefined, t),
  ],
  checkUnknownId: [(t) => checkUnknownId("getUser", answer(200), "GET", t)],
  judgeCreated: [
    (t) => judgeCreated(body(), answer(201, { ...user(1), name: "other", status: "invited" }), t),
    (t) => judgeCreated(body(), answer(201, { ...user(1), is_developer: false, status: "invited" }), t),
    (t) => judgeCreated(body(), answer(201, { ...user(1), status: "active" }), t),
    (t) => judgeCreated(body({ invite_mode: "temporary_password" }), answer(201, { ...user(1), status: "invited" }), t),
    (t) => judgeCreated(body(), answer(201, { ...user(1), status: "invited", temporary_password: "x" }), t),
  ],
  judgeRead: [
    (t) => judgeRead(user(1), { kind: "listed" }, answer(200, { ...user(1), temporary_password: "x" }), t),
    (t) => judgeRead(user(1), { kind: "listed" }, answer(200, { ...user(1), name: "other" }), t),
    (t) => judgeRead(user(1), { kind: "create", body: body() }, answer(200, { ...user(1), email: "x@y.z" }), t),
    (t) => judgeRead(user(1), { kind: "create", body: body() }, answer(200, { ...user(1), is_developer: false }), t),
    (t) => judgeRead(user(1), { kind: "create", body: body() }, answer(200, user(1)), t), // status active, not invited
    (t) => judgeRead(user(1), { kind: "update", body: { name: "A" } }, answer(200, { ...user(1), name: "B" }), t),
    (t) =>
      judgeRead(
        user(1, { name: "A" }),
        { kind: "update", body: { name: " A " } },
        answer(200, user(1, { name: " A " })),
        t,
      ),
    (t) =>
      judgeRead(user(1), { kind: "update", body: { name: "U1" } }, answer(200, { ...user(1), is_developer: false }), t),
  ],
  judgeUpdated: [
    (t) => judgeUpdated(user(1), { name: "A" }, answer(200, user(1)), t),
    (t) => judgeUpdated(user(1), { name: " A" }, answer(200, user(1, { name: " A" })), t),
    (t) => judgeUpdated(user(1), { name: "A" }, answer(200, user(1, { name: "A", status: "invited" })), t),
  ],
  judgeCreatedAgain: [
    (t) => judgeCreatedAgain("invited", user(1, { status: "invited" }), "email_link", answer(201, user(1)), t),
    (t) => judgeCreatedAgain("active", user(1), "none", answer(201, user(1)), t),
    (t) => judgeCreatedAgain("deleted", user(1), "none", answer(201, user(1)), t),
    (t) => judgeCreatedAgain("active", user(1), "none", answer(409, { title: "Conflict", temporary_password: "x" }), t),
  ],
  judgeDeleted: [(t) => judgeDeleted(answer(404), t)],
  judgeGone: [(t) => judgeGone(answer(200, user(1)), t)],
  judgeStateRefusal: [
    (t) => judgeStateRefusal("resendInvitation", "active", answer(204), t),
    (t) => judgeStateRefusal("resetPassword", "invited", answer(204), t),
  ],
  judgeListing: [
    (t) => judgeListing([], { statuses: ["active"] }, walkOf([user(1, { status: "invited" })]), "w", t),
    (t) => judgeListing([], { needle: "zz" }, walkOf([user(1)]), "w", t),
    (t) => judgeListing([known(user(1), { deleted: true })], {}, walkOf([user(1)]), "w", t),
    (t) => judgeListing([known(user(1))], {}, walkOf([user(1, { name: "stale" })]), "w", t),
    (t) => judgeListing([known(user(1))], { statuses: ["active"] }, walkOf([]), "w", t),
    (t) => judgeListing([known(user(1))], { needle: "U1@" }, walkOf([]), "w", t),
    (t) => judgeListing([known(user(1))], {}, walkOf([]), "w", t),
    (t) => judgeListing([known(user(1), { seenListed: false })], {}, walkOf([]), "w", t),
  ],
};

describe("clauses: the spec's and the assertions' agree", () => {
  const spec = specClauses(api);
  const asserted = new Set(ASSERTIONS.flatMap((a) => a.clauses));

  it("the spec has clauses on every operation, one entry per clause id", () => {
    expect(spec.length).toBeGreaterThan(30);
    expect(new Set(spec.map((c) => c.id)).size).toBe(spec.length);
    expect(spec.find((c) => c.id === "unknown_id_404.unknown_id")?.operations).toHaveLength(5);
  });

  it("every clause of the spec has an assertion", () => {
    expect(spec.map((c) => c.id).filter((id) => !asserted.has(id))).toEqual([]);
  });

  it("every assertion cites clauses the spec has", () => {
    const known = new Set(spec.map((c) => c.id));
    expect([...asserted].filter((id) => !known.has(id))).toEqual([]);
  });

  it("a clause removed from the spec is one the registry cites without the spec", () => {
    const doc = structuredClone(api.doc) as {
      paths: Record<string, Record<string, { "x-promises"?: Record<string, Record<string, string>> }>>;
    };
    delete doc.paths["/v2/users"]!.get!["x-promises"]!.limit_respected!.default_limit;
    const ids = new Set(specClauses(describeApi(doc)).map((c) => c.id));
    expect([...asserted].filter((id) => !ids.has(id))).toEqual(["limit_respected.default_limit"]);
  });

  it("assertion ids are unique, and each has broken inputs to fire on", () => {
    const ids = ASSERTIONS.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(FIRING).sort()).toEqual([...ids].sort());
  });
});

describe("every assertion fires, under the clauses it is registered with", () => {
  it.each(ASSERTIONS.map((a) => [a.id, a] as const))("%s", async (_, a) => {
    const reported = new Set<string>();
    for (const [i, fire] of FIRING[a.id]!.entries()) {
      const tally = new ClauseTally();
      const seen = await fire(tally);
      expect(seen.length, `case ${i} of ${a.id} fires`).toBeGreaterThan(0);
      for (const o of seen) {
        expect(a.clauses, `case ${i} of ${a.id} reports ${o.clause}`).toContain(o.clause);
        expect(o.check).toBe(o.clause!.split(".")[0]);
        expect(tally.count(o.clause!), `${o.clause} counted as asserted`).toBeGreaterThan(0);
        reported.add(o.clause!);
      }
    }
    expect([...reported].sort(), `clauses ${a.id} reported`).toEqual([...a.clauses].sort());
  });
});

describe("messages never show a secret", () => {
  it("a temporary_password where none belongs is named, its value not shown", () => {
    const secret = "tmp-Zq7-secret";
    const [o] = judgeUpdated(
      user(1),
      { name: "A" },
      answer(200, { ...user(1, { name: "A" }), temporary_password: secret }),
    );
    expect(o?.clause).toBe("update_persisted.others_unchanged");
    expect(o?.message).toContain("temporary_password: expected none, got a value (a secret: not shown)");
    const listed = judgeListing([known(user(1))], {}, walkOf([{ ...user(1), temporary_password: secret }]), "list()");
    expect(listed.map((l) => l.message).join(" ")).not.toContain(secret);
    expect(o?.message).not.toContain(secret);
  });
});

describe("claim and the tally", () => {
  it("counts an assertion that holds and one that does not; builds the message only when broken", () => {
    const tally = new ClauseTally();
    let built = 0;
    const broken = () => {
      built++;
      return { operation: "listUsers", message: "m" };
    };
    expect(claim(tally, "limit_respected.at_most_limit", true, broken)).toEqual([]);
    const [o] = claim(tally, "limit_respected.at_most_limit", false, broken);
    expect(o).toMatchObject({ check: "limit_respected", clause: "limit_respected.at_most_limit", message: "m" });
    expect(built).toBe(1);
    expect(tally.toJSON()).toEqual({ "limit_respected.at_most_limit": 2 });
  });
});

describe("the clause table of the coverage report", () => {
  it("lists every clause with its operations, its text and how often it was asserted; names the never asserted", () => {
    const clauses = specClauses(api);
    const counts: Record<ClauseId, number> = { "limit_respected.at_most_limit": 12, "filter_email.exact": 3 };
    const md = renderClauseTable(counts, clauses);
    expect(md).toContain(`Clauses asserted: 2 of ${clauses.length}.`);
    expect(md).toMatch(
      /\| limit_respected\.at_most_limit \| listUsers \| A page holds at most `limit` users\. \| 12 ✓ \|/,
    );
    const unknownId = md.split("\n").find((l) => l.startsWith("| unknown_id_404.unknown_id |"));
    for (const op of ["getUser", "updateUser", "deleteUser", "resendInvitation", "resetPassword"])
      expect(unknownId).toContain(op);
    expect(unknownId).toMatch(/\| 0 ✗ \|$/);
    expect(md).toMatch(/Never asserted: .*limit_respected\.default_limit/);
    expect(md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| clause")).length).toBe(clauses.length);
  });

  it("a table where every clause was asserted says so and names none", () => {
    const clauses = specClauses(api);
    const md = renderClauseTable(Object.fromEntries(clauses.map((c) => [c.id, 1])), clauses);
    expect(md).toContain(`Clauses asserted: ${clauses.length} of ${clauses.length}.`);
    expect(md).not.toContain("Never asserted");
  });
});
