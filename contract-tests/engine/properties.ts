// The behavioural promises of the spec (x-promises) as properties over generated data. Each
// promise check is a plain function over what was observed (pages, users, answers) that names
// the clause it asserts (clauses.ts); the properties around them send the requests. Read-only
// properties compare against one walk of the whole list at limit 100 (the baseline); write
// properties run create → get → list → create again → update → get → resend/reset → delete →
// delete → get → list → create on users they make, judged by judges.ts.
import fc from "fast-check";
import { type ClauseId, type ClauseObservation, ClauseTally, claim } from "./clauses.ts";
import {
  brief,
  type CreateBody,
  holdsNeedle,
  judgeCreated,
  judgeCreatedAgain,
  judgeDeleted,
  judgeGone,
  judgeListing,
  judgeRead,
  judgeStateRefusal,
  judgeUpdated,
  expectedFromUpdate,
  storedView,
  type KnownUser,
  type UpdateBody,
  type User,
} from "./judges.ts";
import type { Exchange, Observation, Property } from "./runner.ts";

export {
  type CreateBody,
  differences,
  expectedFromCreate,
  type UpdateBody,
  type User,
} from "./judges.ts";

export interface Sent {
  exchange: Exchange;
  observations: Observation[];
}

/** What properties need from the harness: one request (response checks already run on it). */
export interface Sender {
  send(r: { operation: string; method: string; path: string; body?: unknown }): Promise<Sent>;
}

/** A property that counts the clauses it asserts (the coverage report's clause table). */
export type CountedProperty<T> = Property<T> & { assertedClauses: ClauseTally };

export interface Page {
  users: User[];
  hasMore: boolean;
  nextCursor: string | undefined;
  exchange: Exchange;
}

const LIST = "listUsers";
export const STATUSES = ["active", "invited", "expired"] as const;
/** The page size when `limit` is omitted. */
export const DEFAULT_LIMIT = 50;

const obs = (check: string, operation: string, message: string, exchange?: Exchange, where?: string): Observation => ({
  check,
  operation,
  message,
  exchange,
  where,
});
const ids = (users: User[]) => users.map((u) => u.id);

// ---- promise checks: functions over observations -------------------------------------------

/**
 * limit_respected: no page holds more than `limit`; a page that says has_more holds exactly
 * `limit`. With `limit` omitted (undefined), the same with 50.
 */
export function checkLimit(pages: Page[], limit: number | undefined, tally?: ClauseTally): ClauseObservation[] {
  const size = limit ?? DEFAULT_LIMIT;
  const broken = (p: Page, i: number) => () => ({
    operation: LIST,
    message: `${limit === undefined ? "limit omitted (50)" : `limit=${limit}`}: page ${i + 1} holds ${p.users.length} users${p.hasMore ? " and says has_more" : ""}.`,
    exchange: p.exchange,
  });
  return pages.flatMap((p, i) =>
    limit === undefined
      ? claim(
          tally,
          "limit_respected.default_limit",
          p.users.length <= size && (!p.hasMore || p.users.length === size),
          broken(p, i),
        )
      : [
          ...claim(tally, "limit_respected.at_most_limit", p.users.length <= size, broken(p, i)),
          ...(p.hasMore ? claim(tally, "limit_respected.full_when_more", p.users.length === size, broken(p, i)) : []),
        ],
  );
}

const limitText = (limit: number | undefined) => (limit === undefined ? "limit omitted" : `limit=${limit}`);

/** pagination_complete (within one walk): no user twice. */
export function checkNoRepeats(pages: Page[], limit: number | undefined, tally?: ClauseTally): ClauseObservation[] {
  const seen = new Set<string>();
  let repeat: { id: string; page: number; exchange: Exchange } | undefined;
  pages.forEach((p, i) => {
    for (const u of p.users) {
      if (seen.has(u.id)) repeat ??= { id: u.id, page: i + 1, exchange: p.exchange };
      seen.add(u.id);
    }
  });
  return claim(tally, "pagination_complete.no_repeats", !repeat, () => ({
    operation: LIST,
    message: `${limitText(limit)}: user ${repeat!.id} came back on page ${repeat!.page}, after an earlier page.`,
    exchange: repeat!.exchange,
  }));
}

/** order_created_at: oldest first, across pages. */
export function checkOrder(
  users: User[],
  exchange: Exchange | undefined,
  query: string,
  tally?: ClauseTally,
): ClauseObservation[] {
  const i = users.findIndex((u, k) => k > 0 && Date.parse(users[k - 1]!.created_at) > Date.parse(u.created_at));
  return claim(tally, "order_created_at.oldest_first", i < 0, () => ({
    operation: LIST,
    message: `${query}: ${users[i - 1]!.id} (${users[i - 1]!.created_at}) comes before ${users[i]!.id} (${users[i]!.created_at}).`,
    exchange,
  }));
}

/** secret_not_echoed: no listed user carries a temporary_password. */
export const checkNoSecretListed = (users: User[], exchange: Exchange, tally?: ClauseTally): ClauseObservation[] =>
  claim(
    tally,
    "secret_not_echoed.not_in_list",
    users.every((u) => u.temporary_password === undefined),
    () => ({ operation: LIST, message: "the list echoes a temporary_password.", exchange }),
  );

/** pagination_complete (ends): has_more with a next_cursor that is missing, or the one just followed, never ends. */
export const cursorProblem = (
  page: Page,
  cursor: string | undefined,
  what: string,
  tally?: ClauseTally,
): ClauseObservation[] =>
  page.hasMore
    ? claim(
        tally,
        "pagination_complete.ends",
        typeof page.nextCursor === "string" && page.nextCursor !== cursor,
        () => ({
          operation: LIST,
          message: `${what}: has_more is true but next_cursor is ${JSON.stringify(page.nextCursor)} (missing or repeated).`,
          exchange: page.exchange,
        }),
      )
    : [];

const missingAndExtra = (missing: User[], extra: User[]) =>
  `${missing.length ? `missing ${brief(missing)}` : ""}${missing.length && extra.length ? "; " : ""}${extra.length ? `should not list ${brief(extra)}` : ""}`;

/** Exactly `expected` (by id): names who is missing and who should not be there. */
export function checkExactly(
  clause: ClauseId,
  got: User[],
  expected: User[],
  what: string,
  exchange: Exchange | undefined,
  tally?: ClauseTally,
): ClauseObservation[] {
  const want = new Set(ids(expected));
  const have = new Set(ids(got));
  const missing = expected.filter((u) => !have.has(u.id));
  const extra = got.filter((u) => !want.has(u.id));
  return claim(tally, clause, !missing.length && !extra.length, () => ({
    operation: LIST,
    message: `${what}: ${missingAndExtra(missing, extra)}.`,
    exchange,
  }));
}

/**
 * filter_status over a whole walk, against the users of the baseline (no status filter): those in
 * one of `statuses` and no other (exact); a user the filter shows in one of its statuses that the
 * list without a status filter did not show means that list omitted it (omitted_all).
 */
export function checkStatusFilter(
  got: User[],
  base: User[],
  statuses: readonly string[],
  what: string,
  exchange: Exchange | undefined,
  tally?: ClauseTally,
): ClauseObservation[] {
  const inBase = new Set(ids(base));
  const unlisted = got.filter((u) => !inBase.has(u.id) && statuses.includes(u.status));
  const kept = got.filter((u) => !unlisted.includes(u));
  return [
    ...checkExactly(
      "filter_status.exact",
      kept,
      base.filter((u) => statuses.includes(u.status)),
      what,
      exchange,
      tally,
    ),
    ...claim(tally, "filter_status.omitted_all", !unlisted.length, () => ({
      operation: LIST,
      message: `${what} lists ${brief(unlisted)}, whom the list without a status filter does not show.`,
      exchange,
    })),
  ];
}

/** unknown_id_404: an id that belongs to no user gets 404 (a 5xx is no_server_error's). */
export const checkUnknownId = (
  operation: string,
  x: Exchange,
  what: string,
  tally?: ClauseTally,
): ClauseObservation[] =>
  claim(tally, "unknown_id_404.unknown_id", x.status === 404 || x.status >= 500, () => ({
    operation,
    message: `${what} answered ${x.status}, not 404.`,
    exchange: x,
  }));

// ---- listing ---------------------------------------------------------------------------------

const MAX_PAGES = 200;

/** The list's URL: `limit` (omitted when undefined), then `query` (`&name=value…`), then the cursor. */
export const listPath = (limit: number | undefined, query: string, cursor?: string): string => {
  const params = `${limit === undefined ? "" : `&limit=${limit}`}${query}${cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
  return params ? `/v2/users?${params.slice(1)}` : "/v2/users";
};

export interface Walk {
  pages: Page[];
  users: User[];
  observations: Observation[];
  complete: boolean;
}

/** Follows next_cursor from the first page: the pages, every observation on the way. */
export async function walk(
  sender: Sender,
  query: string,
  limit: number | undefined,
  maxPages = MAX_PAGES,
  tally?: ClauseTally,
): Promise<Walk> {
  const pages: Page[] = [];
  const observations: Observation[] = [];
  const done = (complete: boolean): Walk => ({ pages, users: pages.flatMap((p) => p.users), observations, complete });
  let cursor: string | undefined;
  for (let n = 0; n < maxPages; n++) {
    const { exchange, observations: seen } = await sender.send({
      operation: LIST,
      method: "GET",
      path: listPath(limit, query, cursor),
    });
    observations.push(...seen);
    const body = exchange.json as
      | { users?: User[]; pagination?: { has_more?: boolean; next_cursor?: string } }
      | undefined;
    if (exchange.status !== 200 || !Array.isArray(body?.users)) {
      observations.push(
        obs(
          "positive_accepted",
          LIST,
          `GET ${listPath(limit, query)} answered ${exchange.status}, not a page of users.`,
          exchange,
        ),
      );
      return done(false);
    }
    const page: Page = {
      users: body.users,
      hasMore: body.pagination?.has_more === true,
      nextCursor: body.pagination?.next_cursor,
      exchange,
    };
    pages.push(page);
    if (!page.hasMore) return done(true);
    const stuck = cursorProblem(page, cursor, `${limitText(limit)}${query}`, tally);
    if (stuck.length) {
      observations.push(...stuck);
      return done(false);
    }
    cursor = page.nextCursor;
  }
  return done(false);
}

/** Every promise one walk can break on its own. */
export const walkChecks = (w: Walk, limit: number | undefined, query: string, tally?: ClauseTally): Observation[] => [
  ...w.observations,
  ...checkLimit(w.pages, limit, tally),
  ...checkNoRepeats(w.pages, limit, tally),
  ...checkOrder(w.users, w.pages.at(-1)?.exchange, `${limitText(limit)}${query}`, tally),
  ...w.pages.flatMap((p) => checkNoSecretListed(p.users, p.exchange, tally)),
];

// ---- read-only properties --------------------------------------------------------------------

export interface Baseline {
  users: User[];
  complete: boolean;
}

/** The whole list at limit 100: what every read-only property compares with. */
export async function baseline(
  sender: Sender,
  tally?: ClauseTally,
): Promise<{ baseline: Baseline; observations: Observation[] }> {
  const w = await walk(sender, "", 100, MAX_PAGES, tally);
  const observations = walkChecks(w, 100, "", tally);
  if (!w.complete && w.pages.length === MAX_PAGES)
    observations.push(
      ...claim(tally, "pagination_complete.ends", false, () => ({
        operation: LIST,
        message: `Still has_more after ${MAX_PAGES} pages of 100.`,
        exchange: w.pages.at(-1)?.exchange,
      })),
    );
  return { baseline: { users: w.users, complete: w.complete }, observations };
}

// Limits near the edges matter most: 1, 2, the account's size ± 1, 100.
const limitArb = (total: number) =>
  fc.oneof(
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        ...new Set(
          [1, 2, 3, Math.max(1, total - 1), Math.max(1, total), Math.min(100, total + 1), 99, 100].filter(
            (n) => n >= 1 && n <= 100,
          ),
        ),
      ),
    },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 100 }) },
  );

/** Walking at any limit yields the baseline's users, in order, once each (big accounts: the first pages). */
export function paginationProperty(sender: Sender, base: Baseline, tally = new ClauseTally()): CountedProperty<number> {
  return {
    name: "listUsers: walking at any limit yields every user once, oldest first",
    arbitrary: limitArb(base.users.length),
    assertedClauses: tally,
    async run(limit) {
      const maxPages = Math.min(MAX_PAGES, 50);
      const w = await walk(sender, "", limit, maxPages, tally);
      const out = walkChecks(w, limit, "", tally);
      const seen = w.users.length;
      const expected = w.complete ? base.users : base.users.slice(0, seen);
      if (base.complete || !w.complete)
        out.push(
          ...checkExactly(
            "pagination_complete.same_users_any_limit",
            w.users,
            expected,
            `walking at limit=${limit} (${w.pages.length} pages)`,
            w.pages.at(-1)?.exchange,
            tally,
          ),
        );
      return out;
    },
  };
}

export const statusQuery = (statuses: readonly string[]): string => statuses.map((s) => `&status=${s}`).join("");

/** Any non-empty set of statuses, in any order, at any limit: exactly the baseline's users in those statuses. */
export function statusFilterProperty(
  sender: Sender,
  base: Baseline,
  tally = new ClauseTally(),
): CountedProperty<{ statuses: string[]; limit: number }> {
  return {
    name: "listUsers: a status filter of any subset keeps exactly those users",
    arbitrary: fc.record({
      statuses: fc.shuffledSubarray([...STATUSES], { minLength: 1 }),
      limit: limitArb(base.users.length),
    }),
    assertedClauses: tally,
    async run({ statuses, limit }) {
      const query = statusQuery(statuses);
      const w = await walk(sender, query, limit, MAX_PAGES, tally);
      const out = walkChecks(w, limit, query, tally);
      if (w.complete && base.complete)
        out.push(
          ...checkStatusFilter(
            w.users,
            base.users,
            statuses,
            `status=${statuses.join(",")} at limit=${limit}`,
            w.pages[0]?.exchange,
            tally,
          ),
        );
      return out;
    },
  };
}

export interface NeedleCut {
  a: number;
  b: number;
  flips: boolean[];
}

/** A substring of `email` (from a, of length from b) with the letter case flipped where `flips` says. */
export const cutNeedle = (email: string, { a, b, flips }: NeedleCut): string => {
  const start = a % email.length;
  const end = start + 1 + (b % (email.length - start));
  return [...email.slice(start, end)]
    .map((c, i) => (flips[i] ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c))
    .join("");
};

export const needleCutArb: fc.Arbitrary<NeedleCut> = fc.record({
  a: fc.nat(),
  b: fc.nat(),
  flips: fc.array(fc.boolean(), { maxLength: 64 }),
});

/** A needle: a substring of a known email with its letter case changed, or a string that may match nobody. */
export const needleArb = (emails: string[], other: fc.Arbitrary<string>) => {
  const fromEmail = emails.length
    ? fc.record({ email: fc.constantFrom(...emails), cut: needleCutArb }).map(({ email, cut }) => cutNeedle(email, cut))
    : other;
  return fc.oneof({ weight: 4, arbitrary: fromEmail }, { weight: 1, arbitrary: other });
};

/** Any substring of any email, in any case (and odd strings): exactly the case-insensitive matches. */
export function emailFilterProperty(
  sender: Sender,
  base: Baseline,
  other: fc.Arbitrary<string>,
  tally = new ClauseTally(),
): CountedProperty<{ needle: string; limit: number }> {
  return {
    name: "listUsers: an email filter of any substring, any case, keeps exactly the matching users",
    arbitrary: fc.record({
      needle: needleArb(
        base.users.map((u) => u.email),
        other,
      ),
      limit: limitArb(base.users.length),
    }),
    assertedClauses: tally,
    async run({ needle, limit }) {
      const query = `&email=${encodeURIComponent(needle)}`;
      const w = await walk(sender, query, limit, MAX_PAGES, tally);
      const out = walkChecks(w, limit, query, tally);
      const want = base.users.filter((u) => holdsNeedle(u.email, needle));
      if (w.complete && base.complete)
        out.push(
          ...checkExactly(
            "filter_email.exact",
            w.users,
            want,
            `email=${JSON.stringify(needle)} at limit=${limit}`,
            w.pages[0]?.exchange,
            tally,
          ),
        );
      return out;
    },
  };
}

// ---- write properties: one user's life --------------------------------------------------------

export interface Life {
  create: CreateBody;
  update: UpdateBody;
  /** Statuses to list with, and how to cut the email into a needle. */
  statuses: string[];
  cut: NeedleCut;
}

export interface WriteHooks {
  /** A unique address that carries the run id (the clean-up sweep finds it), built on the generated one. */
  email(generated: string): string;
  /** Statuses besides 2xx a server may answer for this create (x-may-refuse). */
  mayRefuse(body: CreateBody): string[];
}

export const userPath = (id: string, tail = ""): string => `/v2/users/${encodeURIComponent(id)}${tail}`;

/** Listed by a needle cut from its email (any case), and with a status filter too, exactly where it matches. */
async function lifeListings(sender: Sender, known: KnownUser, life: Life, tally: ClauseTally): Promise<Observation[]> {
  const needle = cutNeedle(known.view.email, life.cut);
  const out: Observation[] = [];
  for (const statuses of [undefined, life.statuses]) {
    const query = `&email=${encodeURIComponent(needle)}${statusQuery(statuses ?? [])}`;
    const w = await walk(sender, query, 100, 20, tally);
    out.push(
      ...walkChecks(w, 100, query, tally),
      ...judgeListing([known], { needle, statuses }, w, `${query.slice(1)} (cut from ${known.view.email})`, tally),
    );
  }
  return out;
}

/** Deleted: 204 twice, then gone everywhere, and the address cannot come back. */
async function lifeDeletion(
  sender: Sender,
  known: KnownUser,
  body: CreateBody,
  call: (operation: string, method: string, path: string, body?: unknown) => Promise<Exchange>,
  tally: ClauseTally,
): Promise<Observation[]> {
  const { id } = known.view;
  const del1 = await call("deleteUser", "DELETE", userPath(id));
  const del2 = await call("deleteUser", "DELETE", userPath(id));
  const out: Observation[] = [...judgeDeleted(del1, tally), ...judgeDeleted(del2, tally)].slice(0, 1);
  out.push(...judgeGone(await call("getUser", "GET", userPath(id)), tally));
  const query = `&email=${encodeURIComponent(body.email)}`;
  const still = await walk(sender, query, 100, 20, tally);
  out.push(
    ...still.observations,
    ...judgeListing([{ ...known, deleted: true }], { needle: body.email }, still, query.slice(1), tally),
  );
  out.push(
    ...judgeCreatedAgain(
      "deleted",
      known.view,
      body.invite_mode,
      await call("createUser", "POST", "/v2/users", body),
      tally,
    ),
  );
  return out;
}

const known = (view: User, last: KnownUser["last"]): KnownUser => ({ view, deleted: false, last, seenListed: false });

/** create → get → list → create again → update → get → resend/reset → delete ×2 → get → list → create. */
export function lifeProperty(
  sender: Sender,
  hooks: WriteHooks,
  create: fc.Arbitrary<CreateBody>,
  update: fc.Arbitrary<UpdateBody>,
  tally = new ClauseTally(),
): CountedProperty<Life> {
  return {
    name: "a user's life: create, read, list, update, delete",
    arbitrary: fc.record({
      create,
      update,
      statuses: fc.shuffledSubarray([...STATUSES], { minLength: 1 }),
      cut: needleCutArb,
    }),
    assertedClauses: tally,
    async run(life) {
      const out: Observation[] = [];
      const call = async (operation: string, method: string, path: string, body?: unknown) => {
        const sent = await sender.send({ operation, method, path, body });
        out.push(...sent.observations);
        return sent.exchange;
      };
      const body = { ...life.create, email: hooks.email(life.create.email) };
      const made = await call("createUser", "POST", "/v2/users", body);
      if (made.status !== 201) {
        if (!hooks.mayRefuse(body).includes(String(made.status)))
          out.push(
            obs(
              "positive_accepted",
              "createUser",
              `A valid create for a new address answered ${made.status}, not 201.`,
              made,
            ),
          );
        return out;
      }
      out.push(...judgeCreated(body, made, tally));
      const stored = storedView(made.json);

      // Read back; from here on the user is as get shows it (the create promises only the fields sent).
      const fetched = await call("getUser", "GET", userPath(stored.id));
      const readBack = judgeRead(stored, { kind: "create", body }, fetched, tally);
      out.push(...readBack);
      const current = readBack.length === 0 ? storedView(fetched.json) : stored;

      out.push(...(await lifeListings(sender, known(current, { kind: "create", body }), life, tally)));

      // Created again: an invited user comes back as is (200), an active one is a conflict (409).
      const again = await call("createUser", "POST", "/v2/users", body);
      out.push(
        ...judgeCreatedAgain(
          current.status === "invited" ? "invited" : "active",
          current,
          body.invite_mode,
          again,
          tally,
        ),
      );

      // Updated: the answer and a later get show what was sent, nothing else changed.
      const updated = await call("updateUser", "PATCH", userPath(current.id), life.update);
      out.push(...judgeUpdated(current, life.update, updated, tally));
      const after = expectedFromUpdate(current, life.update);
      const reread = await call("getUser", "GET", userPath(current.id));
      out.push(...judgeRead(after, { kind: "update", body: life.update }, reread, tally));

      // State-dependent refusals: resend only to the invited; no password reset before verification.
      const resend = await call("resendInvitation", "POST", userPath(current.id, "/resend-invitation"));
      out.push(...judgeStateRefusal("resendInvitation", current.status, resend, tally));
      if (current.status === "invited" && resend.status !== 204)
        out.push(
          obs(
            "positive_accepted",
            "resendInvitation",
            `Resend to an invited user answered ${resend.status}, not 204.`,
            resend,
          ),
        );
      if (current.status === "invited")
        out.push(
          ...judgeStateRefusal(
            "resetPassword",
            "invited",
            await call("resetPassword", "POST", userPath(current.id, "/reset-password")),
            tally,
          ),
        );

      out.push(...(await lifeDeletion(sender, known(after, { kind: "update", body: life.update }), body, call, tally)));
      return out;
    },
  };
}

// ---- reading by id ---------------------------------------------------------------------------

/** Any listed user, fetched by id, is the user the list shows. */
export function getMatchesListProperty(
  sender: Sender,
  base: Baseline,
  tally = new ClauseTally(),
): CountedProperty<User> | undefined {
  if (!base.users.length) return undefined;
  return {
    name: "getUser: any listed user, fetched by id, is the one listed",
    arbitrary: fc.constantFrom(...base.users),
    assertedClauses: tally,
    async run(listed) {
      const { exchange, observations } = await sender.send({
        operation: "getUser",
        method: "GET",
        path: userPath(listed.id),
      });
      return [...observations, ...judgeRead(listed, { kind: "listed" }, exchange, tally)];
    },
  };
}

/** Ids of the spec's shape that belong to no user (`ghost` makes them so) get 404 on every listed operation. */
export function unknownIdProperty(
  sender: Sender,
  ids: fc.Arbitrary<string>,
  ghost: (id: string) => string,
  operations: { operation: string; method: string; tail: string; body?: unknown }[],
  tally = new ClauseTally(),
): CountedProperty<string> {
  return {
    name: "a well-formed id that belongs to no user gets 404",
    arbitrary: ids.map(ghost),
    assertedClauses: tally,
    async run(id) {
      const out: Observation[] = [];
      for (const o of operations) {
        const { exchange, observations } = await sender.send({
          operation: o.operation,
          method: o.method,
          path: userPath(id, o.tail),
          body: o.body,
        });
        out.push(
          ...observations,
          ...checkUnknownId(o.operation, exchange, `${o.method} of the unknown id ${JSON.stringify(id)}`, tally),
        );
      }
      return out;
    },
  };
}
