// Each operation: method, path, body, result; create's `created`; path safety; pagination; the
// operation table against the spec.
import { readFileSync } from "node:fs";
import { parseYaml } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";
import type { operations } from "../../generated/users.ts";
import { ArizeError } from "../../src/index.ts";
import { OPERATIONS, policyOf, retriesBlindly } from "../../src/operations.ts";
import { BASE, client, ID, json, raw, rejection, transport, user } from "./helpers.ts";

const enc = encodeURIComponent(ID);

describe("operations", () => {
  it("list sends the query (status repeated) and returns the page", async () => {
    const page = { users: [user()], pagination: { has_more: false } };
    const t = transport(json(200, page));
    const got = await client(t.fetch).users.list({
      status: ["active", "invited"],
      email: "a+b@x",
      limit: 10,
      cursor: "c1",
    });
    expect(got).toEqual(page);
    expect(t.calls[0]!.method).toBe("GET");
    expect(t.calls[0]!.url).toBe(`${BASE}/v2/users?status=active&status=invited&email=a%2Bb%40x&limit=10&cursor=c1`);
  });

  it("get, update, delete, resendInvitation and resetPassword hit their endpoints", async () => {
    const t = transport(
      json(200, user()),
      json(200, user({ name: "Jo" })),
      raw(204, null),
      raw(204, null),
      raw(204, null),
    );
    const { users } = client(t.fetch);
    expect(await users.get(ID)).toEqual(user());
    expect(await users.update(ID, { name: "Jo" })).toEqual(user({ name: "Jo" }));
    expect(await users.delete(ID)).toBeUndefined();
    expect(await users.resendInvitation(ID)).toBeUndefined();
    expect(await users.resetPassword(ID)).toBeUndefined();
    expect(t.calls.map((c) => `${c.method} ${c.url.slice(BASE.length)} ${c.body}`)).toEqual([
      `GET /v2/users/${enc} `,
      `PATCH /v2/users/${enc} {"name":"Jo"}`,
      `DELETE /v2/users/${enc} `,
      `POST /v2/users/${enc}/resend-invitation `,
      `POST /v2/users/${enc}/reset-password `,
    ]);
    expect(t.calls[1]!.headers.get("content-type")).toBe("application/json");
  });

  it("create: created comes from the HTTP status (201 → true, 200 → false), never the body", async () => {
    const body = {
      name: "Jane Smith",
      email: "jane@example.com",
      role: { type: "predefined", name: "member" },
      invite_mode: "email_link",
    } as const;
    // The same body both times: only the status differs.
    const t = transport(json(201, user({ status: "invited" })), json(200, user({ status: "invited" })));
    const { users } = client(t.fetch);
    expect(await users.create(body)).toEqual({ user: user({ status: "invited" }), created: true });
    expect(await users.create(body)).toEqual({ user: user({ status: "invited" }), created: false });
    expect(t.calls[0]!.method).toBe("POST");
    expect(t.calls[0]!.url).toBe(`${BASE}/v2/users`);
    expect(JSON.parse(t.calls[0]!.body)).toEqual(body);
  });

  it("create returns the temporary password to the caller", async () => {
    const t = transport(json(201, user({ temporary_password: "Tmp-Pa55-xyz" })));
    const { user: u } = await client(t.fetch).users.create({
      name: "J",
      email: "j@example.com",
      role: { type: "predefined", name: "annotator" },
      invite_mode: "temporary_password",
    });
    expect(u.temporary_password).toBe("Tmp-Pa55-xyz");
  });
});

describe("path safety", () => {
  it("percent-encodes ids", async () => {
    const t = transport(json(200, user()));
    await client(t.fetch).users.get("a/b?c#d ..%2e");
    expect(t.calls[0]!.url).toBe(`${BASE}/v2/users/a%2Fb%3Fc%23d%20..%252e`);
  });

  const bad: unknown[] = ["", " ", "\t\n", ".", "..", 42, undefined, null, {}, "\ud800"];
  it.each(bad.map((v) => [JSON.stringify(v) ?? String(v), v]))("refuses %s before any request", async (_, id) => {
    const t = transport(json(200, user()));
    const { users, raw: r } = client(t.fetch);
    for (const call of [
      () => users.get(id as string),
      () => users.update(id as string, { name: "x" }),
      () => users.delete(id as string),
      () => users.resendInvitation(id as string),
      () => users.resetPassword(id as string),
      () => r.GET("/v2/users/{user_id}", { params: { path: { user_id: id as string } } }),
    ]) {
      const e = await rejection(call());
      expect(e).toBeInstanceOf(ArizeError);
      expect(e.message).toMatch(/^Invalid user_id/);
    }
    expect(t.calls).toHaveLength(0);
  });

  it.each([
    ["   ", '"   "'],
    [42, "42"],
    [{}, "object"],
  ])("names the id it refuses: %j", async (id, shown) => {
    const e = await rejection(client(transport(json(200, user())).fetch).users.get(id as string));
    expect(e.message).toBe(`Invalid user_id: ${shown} (a user id is a string that is not blank, "." or "..")`);
  });
});

describe("limit", () => {
  it.each([
    [1e9, "1000000000"],
    [0, "0"],
    [-1, "-1"],
    [1.5, "1.5"],
    [Number.NaN, "NaN"],
    [101, "101"],
  ])("%s is refused before anything is sent, as the README says", async (limit, shown) => {
    const t = transport(json(200, { users: [], pagination: { has_more: false } }));
    const { users } = client(t.fetch);
    for (const call of [
      () => users.list({ limit }),
      async () => {
        for await (const _ of users.listAll({ limit }));
      },
    ]) {
      const e = await rejection(call());
      expect(e).toBeInstanceOf(ArizeError);
      expect(e.message).toBe(`Invalid limit: ${shown} (an integer from 1 to 100)`);
    }
    expect(t.calls).toHaveLength(0);
  });

  it.each([1, 100])("%i is sent", async (limit) => {
    const t = transport(json(200, { users: [], pagination: { has_more: false } }));
    await client(t.fetch).users.list({ limit });
    expect(t.calls[0]!.url).toBe(`${BASE}/v2/users?limit=${limit}`);
  });
});

describe("query text", () => {
  it("a lone surrogate (no URL can carry it) is refused before anything is sent, saying so", async () => {
    const t = transport(json(200, { users: [], pagination: { has_more: false } }));
    const e = await rejection(client(t.fetch).users.list({ email: "jo\ud800" }));
    expect(e).toBeInstanceOf(ArizeError);
    expect(e.message).toBe(
      "Invalid query: a value holds a broken Unicode character (a lone surrogate), which no URL can carry",
    );
    expect(t.calls).toHaveLength(0);
  });
});

describe("pagination (listAll)", () => {
  const page = (ids: string[], next?: string) =>
    json(200, {
      users: ids.map((id) => user({ id })),
      pagination: next ? { has_more: true, next_cursor: next } : { has_more: false },
    });

  it("walks every page, forwarding the query and each next_cursor", async () => {
    const t = transport(page(["a", "b"], "c1"), page(["c"], "c2"), page(["d"]));
    const ids: string[] = [];
    for await (const u of client(t.fetch).users.listAll({ status: ["invited"], limit: 2 })) ids.push(u.id);
    expect(ids).toEqual(["a", "b", "c", "d"]);
    expect(t.calls.map((c) => c.url.slice(BASE.length))).toEqual([
      "/v2/users?status=invited&limit=2",
      "/v2/users?status=invited&limit=2&cursor=c1",
      "/v2/users?status=invited&limit=2&cursor=c2",
    ]);
  });

  it("has_more without a cursor is an ArizeError, not an endless loop", async () => {
    const t = transport(json(200, { users: [user()], pagination: { has_more: true } }));
    const seen: string[] = [];
    const e = await rejection(
      (async () => {
        for await (const u of client(t.fetch).users.listAll()) seen.push(u.id);
      })(),
    );
    expect(e).toBeInstanceOf(ArizeError);
    expect(e.message).toBe(
      "Invalid next_cursor: the server said has_more: true on page 1 but gave no next_cursor; stopping, as there is no way to ask for the next page",
    );
    expect(seen).toEqual([ID]);
    expect(t.calls).toHaveLength(1);
  });

  it("a cursor seen before in the same walk is an ArizeError", async () => {
    const t = transport(page(["a"], "c1"), page(["b"], "c2"), page(["c"], "c1"), page(["x"]));
    const e = await rejection(
      (async () => {
        for await (const _ of client(t.fetch).users.listAll());
      })(),
    );
    expect(e).toBeInstanceOf(ArizeError);
    expect(e.message).toBe(
      'Invalid next_cursor: page 3 repeated the cursor "c1" of page 1; stopping to avoid an endless loop',
    );
    expect(t.calls).toHaveLength(3);
  });
});

describe("operation table", () => {
  // Compile side: an operation in generated/users.ts without an entry fails `npm run typecheck`
  // here (and in src/operations.ts, by its `satisfies`).
  const table: Record<keyof operations, { method: string; path: string }> = OPERATIONS;

  it("has one entry per operationId of openapi/users.yaml, with the spec's method and path", () => {
    const spec = parseYaml(readFileSync(new URL("../../openapi/users.yaml", import.meta.url), "utf8")) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const routes: Record<string, { method: string; path: string }> = {};
    for (const [path, item] of Object.entries(spec.paths))
      for (const [method, op] of Object.entries(item)) if (op?.operationId) routes[op.operationId] = { method, path };
    expect(Object.keys(table).sort()).toEqual(Object.keys(routes).sort());
    for (const [id, route] of Object.entries(routes))
      expect({ id, ...table[id as keyof operations] }).toMatchObject({ id, ...route });
  });

  it("raw requests are matched by method and path template, behind any base path; unknown routes are not retried blindly", () => {
    const blind = (method: string, url: string) => retriesBlindly(policyOf(method, url));
    expect(blind("GET", "https://h/v2/users?limit=5")).toBe(true);
    expect(blind("POST", "https://h/v2/users")).toBe(true);
    expect(blind("PATCH", "https://h/proxy/arize/v2/users/VXNlcjo%3D")).toBe(true);
    expect(blind("POST", "https://h/v2/users/abc/resend-invitation")).toBe(false);
    expect(blind("POST", "https://h/proxy/v2/users/abc/reset-password")).toBe(false);
    // Not in the spec: another method, another path, a path that only starts like one of ours.
    expect(blind("PUT", "https://h/v2/users/abc")).toBe(false);
    expect(blind("GET", "https://h/v2/users/abc/roles")).toBe(false);
    expect(blind("GET", "https://h/v2/usersx")).toBe(false);
  });
});
