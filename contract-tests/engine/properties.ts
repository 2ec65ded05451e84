// The behavioural promises of the spec (x-promises) as properties over generated data. Each
// promise check is a plain function over what was observed (pages, users, answers); the
// properties around them send the requests. Read-only properties compare against one walk of the
// whole list at limit 100 (the baseline); write properties run create → get → list → create again
// → update → get → resend/reset → delete → delete → get → list → create on users they make.
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import type { Exchange, Observation, Property } from "./runner.ts";

export interface User {
  id: string;
  name: string;
  email: string;
  created_at: string;
  status: string;
  role: unknown;
  is_developer: boolean;
  [k: string]: unknown;
}

export interface Sent {
  exchange: Exchange;
  observations: Observation[];
}

/** What properties need from the harness: one request (response checks already run on it). */
export interface Sender {
  send(r: { operation: string; method: string; path: string; body?: unknown }): Promise<Sent>;
}

export interface Page {
  users: User[];
  hasMore: boolean;
  nextCursor: string | undefined;
  exchange: Exchange;
}

const LIST = "listUsers";
const STATUSES = ["active", "invited", "expired"] as const;

const obs = (check: string, operation: string, message: string, exchange?: Exchange, where?: string): Observation => ({
  check,
  operation,
  message,
  exchange,
  where,
});
const ids = (users: User[]) => users.map((u) => u.id);
const brief = (users: User[]) => users.map((u) => `${u.id} (${u.status}, ${u.email})`).join(", ") || "nobody";

// ---- promise checks: functions over observations -------------------------------------------

/** limit_respected: no page holds more than `limit`; a page that says has_more holds exactly `limit`. */
export function checkLimit(pages: Page[], limit: number): Observation[] {
  return pages.flatMap((p, i) =>
    p.users.length > limit || (p.hasMore && p.users.length !== limit)
      ? [
          obs(
            "limit_respected",
            LIST,
            `limit=${limit}: page ${i + 1} holds ${p.users.length} users${p.hasMore ? " and says has_more" : ""}.`,
            p.exchange,
          ),
        ]
      : [],
  );
}

/** pagination_complete (within one walk): no user twice. */
export function checkNoRepeats(pages: Page[], limit: number): Observation[] {
  const seen = new Set<string>();
  const out: Observation[] = [];
  pages.forEach((p, i) => {
    for (const u of p.users) {
      if (seen.has(u.id))
        out.push(
          obs(
            "pagination_complete",
            LIST,
            `limit=${limit}: user ${u.id} came back on page ${i + 1}, after an earlier page.`,
            p.exchange,
          ),
        );
      seen.add(u.id);
    }
  });
  return out.slice(0, 1);
}

/** order_created_at: oldest first, across pages. */
export function checkOrder(users: User[], exchange: Exchange | undefined, query: string): Observation[] {
  const i = users.findIndex((u, k) => k > 0 && Date.parse(users[k - 1]!.created_at) > Date.parse(u.created_at));
  return i < 0
    ? []
    : [
        obs(
          "order_created_at",
          LIST,
          `${query}: ${users[i - 1]!.id} (${users[i - 1]!.created_at}) comes before ${users[i]!.id} (${users[i]!.created_at}).`,
          exchange,
        ),
      ];
}

/** Exactly `expected` (by id): names who is missing and who should not be there. */
export function checkExactly(
  check: string,
  got: User[],
  expected: User[],
  what: string,
  exchange: Exchange | undefined,
): Observation[] {
  const want = new Set(ids(expected));
  const have = new Set(ids(got));
  const missing = expected.filter((u) => !have.has(u.id));
  const extra = got.filter((u) => !want.has(u.id));
  if (!missing.length && !extra.length) return [];
  return [
    obs(
      check,
      LIST,
      `${what}: ${missing.length ? `missing ${brief(missing)}` : ""}${missing.length && extra.length ? "; " : ""}${extra.length ? `should not list ${brief(extra)}` : ""}.`,
      exchange,
    ),
  ];
}

/**
 * The expected view of a user after create: what was sent, defaults applied. A custom role is
 * compared by type and id only (the answer may add its read-only name).
 */
export function expectedFromCreate(body: {
  name: string;
  email: string;
  role: { type: string; name?: string; id?: string };
  invite_mode: string;
  is_developer?: boolean;
}): Record<string, unknown> {
  const predefined = body.role.type === "predefined";
  return {
    name: body.name,
    email: body.email,
    ...(predefined ? { role: { type: "predefined", name: body.role.name } } : {}),
    is_developer: body.is_developer ?? (predefined && body.role.name !== "annotator"),
    status: body.invite_mode === "none" ? "active" : "invited",
  };
}

/** Fields of `got` that differ from `want` (only the keys of `want`). */
export const differences = (got: unknown, want: Record<string, unknown>): string[] => {
  // An answer that is no JSON object (a broken body) differs as a whole.
  if (typeof got !== "object" || got === null || Array.isArray(got))
    return [`expected a user object, got ${JSON.stringify(got) ?? "no JSON"}`];
  const fields = got as Record<string, unknown>;
  return Object.entries(want)
    .filter(([k, v]) => !isDeepStrictEqual(fields[k], v))
    .map(([k, v]) => `${k}: sent/expected ${JSON.stringify(v)}, got ${JSON.stringify(fields[k])}`);
};

// ---- listing ---------------------------------------------------------------------------------

const MAX_PAGES = 200;

/** Follows next_cursor from the first page: the pages, every observation on the way. */
export async function walk(
  sender: Sender,
  query: string,
  limit: number,
  maxPages = MAX_PAGES,
): Promise<{ pages: Page[]; users: User[]; observations: Observation[]; complete: boolean }> {
  const pages: Page[] = [];
  const observations: Observation[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < maxPages; n++) {
    const { exchange, observations: seen } = await sender.send({
      operation: LIST,
      method: "GET",
      path: `/v2/users?limit=${limit}${query}${cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`}`,
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
          `GET /v2/users?limit=${limit}${query} answered ${exchange.status}, not a page of users.`,
          exchange,
        ),
      );
      return { pages, users: pages.flatMap((p) => p.users), observations, complete: false };
    }
    const page: Page = {
      users: body.users,
      hasMore: body.pagination?.has_more === true,
      nextCursor: body.pagination?.next_cursor,
      exchange,
    };
    pages.push(page);
    if (!page.hasMore) return { pages, users: pages.flatMap((p) => p.users), observations, complete: true };
    if (typeof page.nextCursor !== "string" || page.nextCursor === cursor) {
      observations.push(
        obs(
          "pagination_complete",
          LIST,
          `limit=${limit}${query}: has_more is true but next_cursor is ${JSON.stringify(page.nextCursor)} (missing or repeated).`,
          exchange,
        ),
      );
      return { pages, users: pages.flatMap((p) => p.users), observations, complete: false };
    }
    cursor = page.nextCursor;
  }
  return { pages, users: pages.flatMap((p) => p.users), observations, complete: false };
}

/** Every promise one walk can break on its own. */
const walkChecks = (w: Awaited<ReturnType<typeof walk>>, limit: number, query: string): Observation[] => [
  ...w.observations,
  ...checkLimit(w.pages, limit),
  ...checkNoRepeats(w.pages, limit),
  ...checkOrder(w.users, w.pages.at(-1)?.exchange, `limit=${limit}${query}`),
];

// ---- read-only properties --------------------------------------------------------------------

export interface Baseline {
  users: User[];
  complete: boolean;
}

/** The whole list at limit 100: what every read-only property compares with. */
export async function baseline(sender: Sender): Promise<{ baseline: Baseline; observations: Observation[] }> {
  const w = await walk(sender, "", 100);
  if (w.complete || w.pages.length < MAX_PAGES)
    return { baseline: { users: w.users, complete: w.complete }, observations: walkChecks(w, 100, "") };
  return {
    baseline: { users: w.users, complete: false },
    observations: [
      ...walkChecks(w, 100, ""),
      obs("pagination_complete", LIST, `Still has_more after ${MAX_PAGES} pages of 100.`, w.pages.at(-1)?.exchange),
    ],
  };
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
export function paginationProperty(sender: Sender, base: Baseline): Property<number> {
  return {
    name: "listUsers: walking at any limit yields every user once, oldest first",
    arbitrary: limitArb(base.users.length),
    async run(limit) {
      const maxPages = Math.min(MAX_PAGES, 50);
      const w = await walk(sender, "", limit, maxPages);
      const out = walkChecks(w, limit, "");
      const seen = w.users.length;
      const expected = w.complete ? base.users : base.users.slice(0, seen);
      if (base.complete || !w.complete)
        out.push(
          ...checkExactly(
            "pagination_complete",
            w.users,
            expected,
            `walking at limit=${limit} (${w.pages.length} pages)`,
            w.pages.at(-1)?.exchange,
          ),
        );
      return out;
    },
  };
}

const statusQuery = (statuses: readonly string[]) => statuses.map((s) => `&status=${s}`).join("");

/** Any non-empty set of statuses, in any order, at any limit: exactly the baseline's users in those statuses. */
export function statusFilterProperty(sender: Sender, base: Baseline): Property<{ statuses: string[]; limit: number }> {
  return {
    name: "listUsers: a status filter of any subset keeps exactly those users",
    arbitrary: fc.record({
      statuses: fc.shuffledSubarray([...STATUSES], { minLength: 1 }),
      limit: limitArb(base.users.length),
    }),
    async run({ statuses, limit }) {
      const query = statusQuery(statuses);
      const w = await walk(sender, query, limit);
      const out = walkChecks(w, limit, query);
      if (w.complete && base.complete)
        out.push(
          ...checkExactly(
            "filter_status",
            w.users,
            base.users.filter((u) => statuses.includes(u.status)),
            `status=${statuses.join(",")} at limit=${limit}`,
            w.pages[0]?.exchange,
          ),
        );
      return out;
    },
  };
}

/** A substring of `email` (from a, of length from b) with the letter case flipped where `flips` says. */
const cutNeedle = (email: string, { a, b, flips }: { a: number; b: number; flips: boolean[] }) => {
  const start = a % email.length;
  const end = start + 1 + (b % (email.length - start));
  return [...email.slice(start, end)]
    .map((c, i) => (flips[i] ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c))
    .join("");
};

/** A needle: a substring of a known email with its letter case changed, or a string that may match nobody. */
export const needleArb = (emails: string[], other: fc.Arbitrary<string>) => {
  const fromEmail = emails.length
    ? fc
        .record({
          email: fc.constantFrom(...emails),
          a: fc.nat(),
          b: fc.nat(),
          flips: fc.array(fc.boolean(), { maxLength: 64 }),
        })
        .map(({ email, ...cut }) => cutNeedle(email, cut))
    : other;
  return fc.oneof({ weight: 4, arbitrary: fromEmail }, { weight: 1, arbitrary: other });
};

/** Any substring of any email, in any case (and odd strings): exactly the case-insensitive matches. */
export function emailFilterProperty(
  sender: Sender,
  base: Baseline,
  other: fc.Arbitrary<string>,
): Property<{ needle: string; limit: number }> {
  return {
    name: "listUsers: an email filter of any substring, any case, keeps exactly the matching users",
    arbitrary: fc.record({
      needle: needleArb(
        base.users.map((u) => u.email),
        other,
      ),
      limit: limitArb(base.users.length),
    }),
    async run({ needle, limit }) {
      const query = `&email=${encodeURIComponent(needle)}`;
      const w = await walk(sender, query, limit);
      const out = walkChecks(w, limit, query);
      const want = base.users.filter((u) => u.email.toLowerCase().includes(needle.toLowerCase()));
      if (w.complete && base.complete)
        out.push(
          ...checkExactly(
            "filter_email",
            w.users,
            want,
            `email=${JSON.stringify(needle)} at limit=${limit}`,
            w.pages[0]?.exchange,
          ),
        );
      return out;
    },
  };
}

// ---- write properties: one user's life --------------------------------------------------------

export interface CreateBody {
  name: string;
  email: string;
  role: { type: string; name?: string; id?: string };
  invite_mode: string;
  is_developer?: boolean;
}
export interface UpdateBody {
  name?: string;
  is_developer?: boolean;
}

export interface Life {
  create: CreateBody;
  update: UpdateBody;
  /** Statuses to list with, and how to cut the email into a needle. */
  statuses: string[];
  cut: { a: number; b: number; flips: boolean[] };
}

export interface WriteHooks {
  /** A unique address that carries the run id (the clean-up sweep finds it), built on the generated one. */
  email(generated: string): string;
  /** Statuses besides 2xx a server may answer for this create (x-may-refuse). */
  mayRefuse(body: CreateBody): string[];
}

const userPath = (id: string, tail = "") => `/v2/users/${encodeURIComponent(id)}${tail}`;
const stripped = (name: string) => name.replace(/^\s+|\s+$/g, "");

/** create → get → list → create again → update → get → resend/reset → delete ×2 → get → list → create. */
export function lifeProperty(
  sender: Sender,
  hooks: WriteHooks,
  create: fc.Arbitrary<CreateBody>,
  update: fc.Arbitrary<UpdateBody>,
): Property<Life> {
  return {
    name: "a user's life: create, read, list, update, delete",
    arbitrary: fc.record({
      create,
      update,
      statuses: fc.shuffledSubarray([...STATUSES], { minLength: 1 }),
      cut: fc.record({ a: fc.nat(), b: fc.nat(), flips: fc.array(fc.boolean(), { maxLength: 64 }) }),
    }),
    async run(life) {
      const out: Observation[] = [];
      const call = async (operation: string, method: string, path: string, body?: unknown) => {
        const sent = await sender.send({ operation, method, path, body });
        out.push(...sent.observations);
        return sent.exchange;
      };
      const body = { ...life.create, email: hooks.email(life.create.email) };
      const made = await call("createUser", "POST", "/v2/users", body);
      const user = made.json as User | undefined;
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
      const want = expectedFromCreate(body);
      const diff = differences(user, want);
      if (diff.length)
        out.push(
          obs(
            "create_reflects_request",
            "createUser",
            `The 201 body differs from what was sent: ${diff.join("; ")}.`,
            made,
          ),
        );
      const hasPassword = typeof user!.temporary_password === "string" && user!.temporary_password !== "";
      if (hasPassword !== (body.invite_mode === "temporary_password"))
        out.push(
          obs(
            hasPassword ? "secret_not_echoed" : "create_reflects_request",
            "createUser",
            hasPassword
              ? `invite mode ${body.invite_mode} answered a temporary_password.`
              : "invite mode temporary_password answered no temporary_password.",
            made,
          ),
        );
      const { temporary_password: _secret, invite_mode: _mode, ...stored } = user!;

      const fetched = await call("getUser", "GET", userPath(user!.id));
      if (fetched.status !== 200 || !isDeepStrictEqual(fetched.json, stored)) {
        const echoed = (fetched.json as Record<string, unknown> | undefined)?.temporary_password !== undefined;
        out.push(
          echoed
            ? obs("secret_not_echoed", "getUser", "get echoes the temporary_password.", fetched)
            : obs(
                "create_reflects_request",
                "getUser",
                `get after create answered ${fetched.status} ${fetched.status === 200 ? `with other fields: ${differences(fetched.json, stored).join("; ")}` : ""}.`,
                fetched,
              ),
        );
      }

      // Listed: by a needle cut from its email (any case), and with a status filter.
      const needle = cutNeedle(body.email, life.cut);
      const byEmail = await walk(sender, `&email=${encodeURIComponent(needle)}`, 100, 20);
      out.push(...byEmail.observations);
      if (!byEmail.users.some((u) => u.id === user!.id))
        out.push(
          obs(
            "filter_email",
            LIST,
            `email=${JSON.stringify(needle)} (cut from ${body.email}) does not list the user just created (${user!.id}).`,
            byEmail.pages[0]?.exchange,
          ),
        );
      const wrongEmail = byEmail.users.filter((u) => !u.email.toLowerCase().includes(needle.toLowerCase()));
      if (wrongEmail.length)
        out.push(
          obs(
            "filter_email",
            LIST,
            `email=${JSON.stringify(needle)} lists users whose email does not contain it: ${brief(wrongEmail)}.`,
            byEmail.pages[0]?.exchange,
          ),
        );
      if (byEmail.users.some((u) => u.temporary_password !== undefined))
        out.push(obs("secret_not_echoed", LIST, "the list echoes a temporary_password.", byEmail.pages[0]?.exchange));
      const both = await walk(sender, `&email=${encodeURIComponent(needle)}${statusQuery(life.statuses)}`, 100, 20);
      out.push(...both.observations);
      const listed = both.users.some((u) => u.id === user!.id);
      if (listed !== life.statuses.includes(stored.status))
        out.push(
          obs(
            "filter_status",
            LIST,
            `status=${life.statuses.join(",")} with email=${JSON.stringify(needle)} ${listed ? "lists" : "does not list"} the ${stored.status} user ${user!.id}.`,
            both.pages[0]?.exchange,
          ),
        );
      const wrongStatus = both.users.filter((u) => !life.statuses.includes(u.status));
      if (wrongStatus.length)
        out.push(
          obs(
            "filter_status",
            LIST,
            `status=${life.statuses.join(",")} lists users in other statuses: ${brief(wrongStatus)}.`,
            both.pages[0]?.exchange,
          ),
        );

      // Created again: an invited user comes back as is (200), an active one is a conflict (409).
      const again = await call("createUser", "POST", "/v2/users", body);
      const wantAgain = stored.status === "invited" ? 200 : 409;
      if (again.status !== wantAgain || (wantAgain === 200 && !isDeepStrictEqual(again.json, stored)))
        out.push(
          obs(
            "create_idempotent",
            "createUser",
            `A second create for the ${stored.status} ${body.email} must answer ${wantAgain}${wantAgain === 200 ? " with the same user, unchanged" : ""}; it answered ${again.status}.`,
            again,
          ),
        );
      if ((again.json as Record<string, unknown> | undefined)?.temporary_password !== undefined)
        out.push(obs("secret_not_echoed", "createUser", "a second create echoes a temporary_password.", again));

      // Updated: the answer and a later get show what was sent, nothing else changed.
      const updated = await call("updateUser", "PATCH", userPath(user!.id), life.update);
      const after = {
        ...stored,
        ...(life.update.name === undefined ? {} : { name: stripped(life.update.name) }),
        ...(life.update.is_developer === undefined ? {} : { is_developer: life.update.is_developer }),
      };
      if (updated.status !== 200 || !isDeepStrictEqual(updated.json, after))
        out.push(
          obs(
            "update_persisted",
            "updateUser",
            `PATCH ${JSON.stringify(life.update)} answered ${updated.status}${updated.status === 200 ? `; ${differences(updated.json, after).join("; ")}` : ""}.`,
            updated,
          ),
        );
      const reread = await call("getUser", "GET", userPath(user!.id));
      if (reread.status !== 200 || !isDeepStrictEqual(reread.json, after))
        out.push(
          obs(
            "update_persisted",
            "getUser",
            `After PATCH ${JSON.stringify(life.update)}, get answered ${reread.status}${reread.status === 200 ? `; ${differences(reread.json, after).join("; ")}` : ""}.`,
            reread,
          ),
        );

      // State-dependent refusals: resend only to the invited; no password reset before verification.
      const resend = await call("resendInvitation", "POST", userPath(user!.id, "/resend-invitation"));
      if (stored.status !== "invited" && resend.status !== 400)
        out.push(
          obs(
            "state_refusal",
            "resendInvitation",
            `Resend to a ${stored.status} user answered ${resend.status}, not 400.`,
            resend,
          ),
        );
      if (stored.status === "invited" && resend.status !== 204)
        out.push(
          obs(
            "positive_accepted",
            "resendInvitation",
            `Resend to an invited user answered ${resend.status}, not 204.`,
            resend,
          ),
        );
      if (stored.status === "invited") {
        const reset = await call("resetPassword", "POST", userPath(user!.id, "/reset-password"));
        if (reset.status !== 400)
          out.push(
            obs(
              "state_refusal",
              "resetPassword",
              `A password reset for an unverified (invited) user answered ${reset.status}, not 400.`,
              reset,
            ),
          );
      }

      // Deleted: 204 twice, then gone everywhere, and the address cannot come back.
      const del1 = await call("deleteUser", "DELETE", userPath(user!.id));
      const del2 = await call("deleteUser", "DELETE", userPath(user!.id));
      if (del1.status !== 204 || del2.status !== 204)
        out.push(
          obs(
            "delete_final",
            "deleteUser",
            `Delete answered ${del1.status}, then ${del2.status}; both must be 204.`,
            del1.status !== 204 ? del1 : del2,
          ),
        );
      const gone = await call("getUser", "GET", userPath(user!.id));
      if (gone.status !== 404)
        out.push(obs("delete_final", "getUser", `Get of a deleted user answered ${gone.status}, not 404.`, gone));
      const still = await walk(sender, `&email=${encodeURIComponent(body.email)}`, 100, 20);
      out.push(...still.observations);
      if (still.users.some((u) => u.id === user!.id))
        out.push(obs("delete_final", LIST, `The deleted user ${user!.id} is still listed.`, still.pages[0]?.exchange));
      const back = await call("createUser", "POST", "/v2/users", body);
      if (back.status !== 409)
        out.push(
          obs(
            "delete_final",
            "createUser",
            `Creating the deleted user's address again answered ${back.status}, not 409 (deletion is terminal).`,
            back,
          ),
        );
      return out;
    },
  };
}

// ---- reading by id ---------------------------------------------------------------------------

/** Any listed user, fetched by id, is the user the list shows. */
export function getMatchesListProperty(sender: Sender, base: Baseline): Property<User> | undefined {
  if (!base.users.length) return undefined;
  return {
    name: "getUser: any listed user, fetched by id, is the one listed",
    arbitrary: fc.constantFrom(...base.users),
    async run(listed) {
      const { exchange, observations } = await sender.send({
        operation: "getUser",
        method: "GET",
        path: userPath(listed.id),
      });
      if (exchange.status !== 200 || !isDeepStrictEqual(exchange.json, listed))
        observations.push(
          obs(
            "get_matches_list",
            "getUser",
            `The list shows ${JSON.stringify(listed)}; get answered ${exchange.status}${exchange.status === 200 ? `: ${differences(exchange.json, listed).join("; ")}` : ""}.`,
            exchange,
          ),
        );
      return observations;
    },
  };
}

/** Ids of the spec's shape that belong to no user (`ghost` makes them so) get 404 on every listed operation. */
export function unknownIdProperty(
  sender: Sender,
  ids: fc.Arbitrary<string>,
  ghost: (id: string) => string,
  operations: { operation: string; method: string; tail: string; body?: unknown }[],
): Property<string> {
  return {
    name: "a well-formed id that belongs to no user gets 404",
    arbitrary: ids.map(ghost),
    async run(id) {
      const out: Observation[] = [];
      for (const o of operations) {
        const { exchange, observations } = await sender.send({
          operation: o.operation,
          method: o.method,
          path: userPath(id, o.tail),
          body: o.body,
        });
        out.push(...observations);
        if (exchange.status !== 404 && exchange.status < 500)
          out.push(
            obs(
              "unknown_id_404",
              o.operation,
              `${o.method} of the unknown id ${JSON.stringify(id)} answered ${exchange.status}, not 404.`,
              exchange,
            ),
          );
      }
      return out;
    },
  };
}
