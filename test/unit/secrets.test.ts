// The API key and a temporary password never leak: errors (message, stack, String, JSON,
// util.inspect), the client itself, and logger output.
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createUsersClient, type LogEntry } from "../../src/index.ts";
import { client, hang, ID, json, KEY, problem, raw, refused, rejection, settle, transport, user } from "./helpers.ts";

const PASSWORD = "Tmp-SECRET-pa55w0rd";

/** Every way an error (or object) can be turned into text. */
const renderings = (x: unknown) => {
  const e = x as Error;
  return [
    e?.message,
    e?.stack,
    String(x),
    JSON.stringify(x),
    inspect(x, { depth: 10, showHidden: true }),
    inspect(e?.cause, { depth: 10, showHidden: true }),
  ];
};

const expectClean = (x: unknown, secret: string) => {
  for (const text of renderings(x)) expect(text ?? "").not.toContain(secret);
};

describe("secrets", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }));
  afterEach(() => vi.useRealTimers());

  it("the API key is in no error, whatever the failure", async () => {
    const failures = [
      transport(problem(401, "Unauthorized")),
      transport(raw(500, "<html>oops</html>")),
      transport(raw(200, "{not json")),
      transport(refused),
      transport(hang),
    ];
    const errors: unknown[] = [];
    for (const t of failures) errors.push((await settle(client(t.fetch, { timeoutMs: 100 }).users.get(ID), vi)).error);
    errors.push((await settle(client(transport(hang).fetch).users.get(ID, { signal: AbortSignal.abort() }), vi)).error);
    errors.push((await settle(client(transport(hang).fetch).users.get(".."), vi)).error);
    expect(errors.map((e) => (e as Error).name)).toEqual([
      "AuthenticationError",
      "InternalServerError",
      "ArizeError",
      "ArizeConnectionError",
      "ArizeTimeoutError",
      "ArizeAbortError",
      "ArizeError",
    ]);
    for (const e of errors) expectClean(e, KEY);
    // Construction errors too.
    for (const opts of [{ baseUrl: "http://example.com" }, { baseUrl: "::" }, { timeoutMs: -1 }]) {
      let e: unknown;
      try {
        await createUsersClient({ apiKey: KEY, ...opts }).users.get(ID);
      } catch (err) {
        e = err;
      }
      expect(e).toBeDefined();
      expectClean(e, KEY);
    }
  });

  it("the API key is not visible by inspecting the client", () => {
    const arize = client(transport(hang).fetch);
    expectClean(arize, KEY);
    expect(inspect(arize.raw, { showHidden: true, depth: 10 })).not.toContain(KEY);
  });

  it("the logger hears of each attempt, without the key or the password", async () => {
    const entries: LogEntry[] = [];
    const t = transport(problem(503, "Busy"), json(201, user({ temporary_password: PASSWORD })));
    const arize = client(t.fetch, { logger: (e) => entries.push(e) });
    const { value } = await settle(
      arize.users.create({
        name: "J",
        email: "j@example.com",
        role: { type: "predefined", name: "member" },
        invite_mode: "temporary_password",
      }),
      vi,
    );
    expect((value as { user: { temporary_password?: string } }).user.temporary_password).toBe(PASSWORD);
    expect(entries).toEqual([
      {
        method: "POST",
        url: "https://api.test.example/v2/users",
        attempt: 1,
        status: 503,
        error: undefined,
        durationMs: expect.any(Number),
      },
      {
        method: "POST",
        url: "https://api.test.example/v2/users",
        attempt: 2,
        status: 201,
        error: undefined,
        durationMs: expect.any(Number),
      },
    ]);
    const text = inspect(entries, { depth: 10 }) + JSON.stringify(entries);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(PASSWORD);
  });

  it("the logger names failed attempts; a throwing logger does not break the call", async () => {
    const entries: LogEntry[] = [];
    const t = transport(refused, json(200, user()));
    const { value } = await settle(
      client(t.fetch, {
        logger: (e) => {
          entries.push(e);
          throw new Error("logger broke");
        },
      }).users.get(ID),
      vi,
    );
    expect(value).toEqual(user());
    expect(entries.map((e) => [e.attempt, e.status, e.error])).toEqual([
      [1, undefined, "ArizeConnectionError"],
      [2, 200, undefined],
    ]);
  });

  it.each([
    [
      "JSON",
      `{"error":"bad","temporary_password":"${PASSWORD}","seen":"Bearer ${KEY}","key":"${KEY}"}`,
      "application/json",
    ],
    ["text", `oops temporary_password=${PASSWORD} authorization: Bearer ${KEY}; api_key ${KEY}`, "text/plain"],
  ])(
    "a %s error body that is not a Problem is kept with the password, bearer tokens and the API key redacted",
    async (_, body, type) => {
      const e = await rejection(client(transport(raw(400, body, { "content-type": type })).fetch).users.get(ID));
      expect(e.body).toContain("[redacted]");
      expect(e.body).toMatch(/bad|oops/);
      expect(e.body).toMatch(/key|api_key/); // the text around a secret stays
      expectClean(e, PASSWORD);
      expectClean(e, KEY);
      expect(`${e.body}`).not.toContain(KEY.slice(0, 12)); // no part of the key either
    },
  );

  it("a temporary password echoed in an error body is not copied into the error", async () => {
    const body = { title: "Conflict", status: 409, detail: "exists", temporary_password: PASSWORD };
    const e = await rejection(
      client(transport(json(409, body)).fetch).users.create({
        name: "J",
        email: "j@example.com",
        role: { type: "predefined", name: "member" },
        invite_mode: "temporary_password",
      }),
    );
    expect(e.problem).toEqual({ title: "Conflict", status: 409, detail: "exists" });
    expectClean(e, PASSWORD);
  });
});
