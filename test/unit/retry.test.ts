// Retries: which operation retries on what, Retry-After, backoff bounds, timeouts, abort.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ArizeAbortError,
  ArizeApiError,
  ArizeConnectionError,
  ArizeTimeoutError,
  RateLimitError,
  type UsersClient,
} from "../../src/index.ts";
import { client, hang, ID, json, problem, raw, refused, rejection, settle, transport, user } from "./helpers.ts";

type Op = (u: UsersClient["users"]) => Promise<unknown>;
const ok200 = json(200, user());
const ops: [string, Op, typeof ok200, boolean][] = [
  ["list", (u) => u.list(), json(200, { users: [], pagination: { has_more: false } }), true],
  ["get", (u) => u.get(ID), ok200, true],
  [
    "create",
    (u) =>
      u.create({ name: "J", email: "j@example.com", role: { type: "predefined", name: "admin" }, invite_mode: "none" }),
    json(201, user()),
    true,
  ],
  ["update", (u) => u.update(ID, { is_developer: false }), ok200, true],
  ["delete", (u) => u.delete(ID), raw(204, null), true],
  ["resendInvitation", (u) => u.resendInvitation(ID), raw(204, null), false],
  ["resetPassword", (u) => u.resetPassword(ID), raw(204, null), false],
];

describe("retry rules (fake timers)", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }));
  afterEach(() => vi.useRealTimers());

  for (const [name, op, success, safe] of ops) {
    describe(name, () => {
      for (const status of [408, 429, 500, 502, 503, 504]) {
        const retried = safe || status === 429 || status === 503;
        it(`${status} → ${retried ? "retried" : "not retried"}`, async () => {
          const t = transport(problem(status, "x"), success);
          const { error } = await settle(op(client(t.fetch).users), vi);
          expect(t.calls).toHaveLength(retried ? 2 : 1);
          if (retried) expect(error).toBeUndefined();
          else expect((error as ArizeApiError).status).toBe(status);
        });
      }

      it.each([400, 401, 403, 404, 409, 422, 501])("%i → never retried", async (status) => {
        const t = transport(problem(status, "x"), success);
        const { error } = await settle(op(client(t.fetch).users), vi);
        expect(t.calls).toHaveLength(1);
        expect(error).toBeInstanceOf(ArizeApiError);
      });

      it(`a lost connection → ${safe ? "retried" : "rejected at once, never repeated"}`, async () => {
        const t = transport(refused, success);
        const { error } = await settle(op(client(t.fetch).users), vi);
        expect(t.calls).toHaveLength(safe ? 2 : 1);
        if (!safe) expect(error).toBeInstanceOf(ArizeConnectionError);
      });

      it(`a timeout → ${safe ? "retried" : "rejected at once, never repeated"}`, async () => {
        const t = transport(hang, success);
        const { error } = await settle(op(client(t.fetch, { timeoutMs: 1000 }).users), vi);
        expect(t.calls).toHaveLength(safe ? 2 : 1);
        if (!safe) expect(error).toBeInstanceOf(ArizeTimeoutError);
      });
    });
  }

  it("raw calls follow the operation's policy, matched by method and path template behind a base path", async () => {
    const base = "https://proxy.test.example/arize";
    const resend = transport(problem(500, "x"), raw(204, null));
    await settle(
      client(resend.fetch, { baseUrl: base }).raw.POST("/v2/users/{user_id}/resend-invitation", {
        params: { path: { user_id: ID } },
      }),
      vi,
    );
    expect(resend.calls.map((c) => c.url)).toEqual([`${base}/v2/users/${encodeURIComponent(ID)}/resend-invitation`]);
    const get = transport(problem(500, "x"), ok200);
    await settle(
      client(get.fetch, { baseUrl: base }).raw.GET("/v2/users/{user_id}", { params: { path: { user_id: ID } } }),
      vi,
    );
    expect(get.calls).toHaveLength(2);
  });

  it.each([
    ["every attempt timed out", [hang], {}, "Timed out after 1000 ms on each of 3 attempts"],
    ["only the last did", [problem(503, "x"), refused, hang], {}, "Timed out after 1000 ms on the last of 3 attempts"],
    ["no retries were asked for", [hang], { maxRetries: 0 }, "Timed out after 1000 ms"],
  ] as const)("a timeout's message is true over retries: %s", async (_, steps, opts, message) => {
    const t = transport(...steps);
    const { error } = await settle(client(t.fetch, { timeoutMs: 1000, ...opts }).users.get(ID), vi);
    expect(error).toBeInstanceOf(ArizeTimeoutError);
    expect((error as Error).message).toBe(message);
  });

  it("a timeout held back by the operation's policy says why it was not retried", async () => {
    const t = transport(hang);
    const { error } = await settle(client(t.fetch, { timeoutMs: 1000 }).users.resendInvitation(ID), vi);
    expect((error as Error).message).toBe(
      "Timed out after 1000 ms; not retried: the server may have acted, and a repeat could act twice (e.g. send a second email)",
    );
    expect(t.calls).toHaveLength(1);
  });

  it.each([
    [
      "undici's cause code",
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("getaddrinfo ENOTFOUND api.test.example"), { code: "ENOTFOUND" }),
      }),
      "ENOTFOUND",
    ],
    [
      "the cause's message when it has no code",
      new TypeError("fetch failed", { cause: new Error("other side closed") }),
      "other side closed",
    ],
    ["a browser's message (no cause)", new TypeError("Failed to fetch"), "Failed to fetch"],
  ])("a connection error names method, URL and %s", async (_, failure, why) => {
    const t = transport(() => {
      throw failure;
    });
    const { error } = await settle(client(t.fetch, { maxRetries: 0 }).users.list({ limit: 5 }), vi);
    expect(error).toBeInstanceOf(ArizeConnectionError);
    expect((error as Error).message).toBe(`Connection failed: GET https://api.test.example/v2/users?limit=5 (${why})`);
  });

  it("gives up after maxRetries (default 2) with the last response's error", async () => {
    const t = transport(problem(503, "Busy"));
    const { error } = await settle(client(t.fetch).users.get(ID), vi);
    expect(t.calls).toHaveLength(3);
    expect((error as ArizeApiError).status).toBe(503);
  });

  it("maxRetries per client and per call; 0 disables retries", async () => {
    const a = transport(refused);
    const r1 = await settle(client(a.fetch, { maxRetries: 4 }).users.get(ID), vi);
    expect(a.calls).toHaveLength(5);
    expect(r1.error).toBeInstanceOf(ArizeConnectionError);
    const b = transport(refused);
    await settle(client(b.fetch, { maxRetries: 4 }).users.get(ID, { maxRetries: 0 }), vi);
    expect(b.calls).toHaveLength(1);
  });

  it("create resends the same body on each attempt (a fresh copy of the request)", async () => {
    const t = transport(problem(500, "x"), problem(502, "x"), json(201, user()));
    const body = {
      name: "J",
      email: "j@example.com",
      role: { type: "predefined", name: "admin" },
      invite_mode: "none",
    } as const;
    const { value } = await settle(client(t.fetch).users.create(body), vi);
    expect(value).toEqual({ user: user(), created: true });
    expect(t.calls.map((c) => JSON.parse(c.body))).toEqual([body, body, body]);
  });

  it("backoff: 0.5 s doubling, capped at 8 s, jitter at most 25 % below", async () => {
    const t = transport(refused);
    await settle(client(t.fetch, { maxRetries: 6 }).users.get(ID), vi);
    const gaps = t.calls.slice(1).map((c, i) => c.at - t.calls[i]!.at);
    const caps = [500, 1000, 2000, 4000, 8000, 8000];
    expect(gaps).toHaveLength(6);
    gaps.forEach((g, i) => {
      expect(g).toBeLessThanOrEqual(caps[i]!);
      expect(g).toBeGreaterThanOrEqual(caps[i]! * 0.75);
    });
  });

  it("Retry-After in seconds is obeyed", async () => {
    const t = transport(problem(429, "Slow down", { "retry-after": "7" }), ok200);
    await settle(client(t.fetch).users.get(ID), vi);
    expect(t.calls[1]!.at - t.calls[0]!.at).toBe(7000);
  });

  it("Retry-After as an HTTP date is obeyed", async () => {
    const when = new Date(Math.ceil(Date.now() / 1000) * 1000 + 12_000).toUTCString();
    const t = transport(problem(503, "Busy", { "retry-after": when }), ok200);
    await settle(client(t.fetch).users.get(ID), vi);
    expect(t.calls[1]!.at).toBe(Date.parse(when));
  });

  it("Retry-After up to 60 s waits; over 60 s rejects with that response's error, without waiting", async () => {
    const a = transport(problem(429, "x", { "retry-after": "60" }), ok200);
    await settle(client(a.fetch).users.get(ID), vi);
    expect(a.calls[1]!.at - a.calls[0]!.at).toBe(60_000);

    const b = transport(problem(429, "Slow down", { "retry-after": "61" }), ok200);
    const t0 = Date.now();
    const { error } = await settle(client(b.fetch).users.get(ID), vi);
    expect(b.calls).toHaveLength(1);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as ArizeApiError).headers.get("retry-after")).toBe("61");
    expect(Date.now() - t0).toBe(0);
  });

  it("an unreadable Retry-After falls back to the backoff", async () => {
    const t = transport(problem(503, "x", { "retry-after": "soon" }), ok200);
    await settle(client(t.fetch).users.get(ID), vi);
    const gap = t.calls[1]!.at - t.calls[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(375);
    expect(gap).toBeLessThanOrEqual(500);
  });
});

describe("timeouts and abort (real timers)", () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  /** A real server on 127.0.0.1:0 that sends headers at once, then stalls the body. */
  async function slowBody() {
    let hits = 0;
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id":');
    });
    await new Promise<void>((ok, fail) => {
      server!.once("error", (e) => fail(new Error(`test server could not start: ${e.message}`)));
      server!.listen(0, "127.0.0.1", ok);
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
  }

  it("timeoutMs covers reading the body, per attempt", async () => {
    const s = await slowBody();
    const arize = client(undefined, { baseUrl: s.url, timeoutMs: 150, maxRetries: 1 });
    const t0 = Date.now();
    const e = await rejection(arize.users.get(ID));
    expect(e).toBeInstanceOf(ArizeTimeoutError);
    expect(e).toBeInstanceOf(ArizeConnectionError);
    expect(e.message).toBe("Timed out after 150 ms on each of 2 attempts");
    expect(s.hits()).toBe(2);
    // Two attempts of 150 ms and one backoff (≤ 500 ms) in between.
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it("per-call timeoutMs overrides the client's", async () => {
    const t = transport(hang);
    const t0 = Date.now();
    const e = await rejection(client(t.fetch, { timeoutMs: 60_000 }).users.get(ID, { timeoutMs: 50, maxRetries: 0 }));
    expect(e).toBeInstanceOf(ArizeTimeoutError);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("an abort in flight rejects at once with ArizeAbortError", async () => {
    const t = transport(hang);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const t0 = Date.now();
    const e = await rejection(client(t.fetch).users.get(ID, { signal: ac.signal }));
    expect(e).toBeInstanceOf(ArizeAbortError);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(t.calls).toHaveLength(1);
  });

  it("an abort stops a Retry-After wait", async () => {
    const t = transport(problem(429, "x", { "retry-after": "30" }), ok200);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const t0 = Date.now();
    const e = await rejection(client(t.fetch).users.get(ID, { signal: ac.signal }));
    expect(e).toBeInstanceOf(ArizeAbortError);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(t.calls).toHaveLength(1);
  });

  it("raw calls honour their own signal and timeoutMs too", async () => {
    const t = transport(hang);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const path = { params: { path: { user_id: ID } } };
    const aborted = await rejection(client(t.fetch).raw.GET("/v2/users/{user_id}", { ...path, signal: ac.signal }));
    expect(aborted).toBeInstanceOf(ArizeAbortError);
    const timedOut = await rejection(
      client(t.fetch, { maxRetries: 0 }).raw.GET("/v2/users/{user_id}", { ...path, timeoutMs: 30 }),
    );
    expect(timedOut).toBeInstanceOf(ArizeTimeoutError);
    expect(t.calls).toHaveLength(2);
  });

  it("the wrapper alone listens to the caller's signal: one listener per call, removed at the end", async () => {
    for (const call of [
      (arize: UsersClient, signal: AbortSignal) => arize.users.get(ID, { signal }),
      (arize: UsersClient, signal: AbortSignal) =>
        arize.raw.GET("/v2/users/{user_id}", { params: { path: { user_id: ID } }, signal }),
    ]) {
      const { signal } = new AbortController();
      const add = vi.spyOn(signal, "addEventListener");
      const remove = vi.spyOn(signal, "removeEventListener");
      const t = transport(
        problem(503, "x", { "retry-after": "0.01" }),
        problem(503, "x", { "retry-after": "0.01" }),
        ok200,
      );
      await call(client(t.fetch), signal);
      expect(t.calls).toHaveLength(3);
      expect(add).toHaveBeenCalledTimes(1);
      expect(remove).toHaveBeenCalledTimes(1);
      expect(remove.mock.calls[0]![1]).toBe(add.mock.calls[0]![1]);
    }
  });

  it("an already aborted signal sends nothing", async () => {
    const t = transport(ok200);
    const e = await rejection(client(t.fetch).users.delete(ID, { signal: AbortSignal.abort() }));
    expect(e).toBeInstanceOf(ArizeAbortError);
    expect(t.calls).toHaveLength(0);
  });

  it("a refused connection (real socket) is an ArizeConnectionError", async () => {
    const s = await slowBody();
    const url = s.url;
    await new Promise((r) => server!.close(r));
    server = undefined;
    const e = await rejection(client(undefined, { baseUrl: url, maxRetries: 0 }).users.get(ID));
    expect(e).toBeInstanceOf(ArizeConnectionError);
    expect(e).not.toBeInstanceOf(ArizeTimeoutError);
    // What a person needs to act: method, URL and the cause's code.
    expect(e.message).toBe(`Connection failed: GET ${url}/v2/users/${encodeURIComponent(ID)} (ECONNREFUSED)`);
  });
});
