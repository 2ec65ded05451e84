// Configuration: env defaults, key required, insecure http refused, headers, User-Agent, limits.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ArizeError, createUsersClient } from "../../src/index.ts";
import { VERSION } from "../../src/version.ts";
import { BASE, client, ID, json, KEY, rejection, transport, user } from "./helpers.ts";

afterEach(() => vi.unstubAllEnvs());

describe("configuration", () => {
  it("apiKey and baseUrl default to ARIZE_API_KEY and ARIZE_BASE_URL", async () => {
    vi.stubEnv("ARIZE_API_KEY", "env-key");
    vi.stubEnv("ARIZE_BASE_URL", "https://eu.example.test/");
    const t = transport(json(200, user()));
    await createUsersClient({ fetch: t.fetch }).users.get(ID);
    expect(t.calls[0]!.url).toBe(`https://eu.example.test/v2/users/${encodeURIComponent(ID)}`);
    expect(t.calls[0]!.headers.get("authorization")).toBe("Bearer env-key");
  });

  it("baseUrl defaults to https://api.arize.com", async () => {
    vi.stubEnv("ARIZE_BASE_URL", undefined);
    const t = transport(json(200, user()));
    await createUsersClient({ apiKey: KEY, fetch: t.fetch }).users.get("x");
    expect(t.calls[0]!.url).toBe("https://api.arize.com/v2/users/x");
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
  ])("an apiKey %s is an error at construction saying how to give one", (_, apiKey) => {
    vi.stubEnv("ARIZE_API_KEY", undefined);
    expect(() => createUsersClient({ apiKey })).toThrow(ArizeError);
    expect(() => createUsersClient({ apiKey })).toThrow(/^Missing API key: set ARIZE_API_KEY or pass apiKey$/);
  });

  it.each([
    ["a space", "sk-abc def"],
    ["a trailing newline", "sk-abcdef\n"],
    ["a non-ASCII character", "sk-abcdéf"],
  ])("an apiKey with %s is a different error, which names the setting and never shows the key", (_, apiKey) => {
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error("expected an error");
    };
    const given = message(() => createUsersClient({ apiKey }));
    expect(given).toBe(
      "Invalid apiKey: it has characters an HTTP header cannot carry (a space, a newline, a non-ASCII character?); the key is not shown",
    );
    vi.stubEnv("ARIZE_API_KEY", apiKey);
    const fromEnv = message(() => createUsersClient({}));
    expect(fromEnv).toMatch(/^Invalid ARIZE_API_KEY: it has characters an HTTP header cannot carry/);
    for (const m of [given, fromEnv]) expect(m).not.toContain("sk-abc");
  });

  it.each(["http://api.arize.com", "http://10.0.0.1:8080", "http://localhost.evil.com", "ftp://127.0.0.1"])(
    "refuses %s (the key would travel in clear)",
    (baseUrl) => {
      expect(() => createUsersClient({ apiKey: KEY, baseUrl })).toThrow(/Invalid baseUrl: https only/);
    },
  );

  it.each([
    "http://localhost:4010",
    "http://127.0.0.1:4010",
    "http://127.8.9.10",
    "http://[::1]:4010",
    "https://api.arize.com",
  ])("allows %s", (baseUrl) => {
    expect(() => createUsersClient({ apiKey: KEY, baseUrl })).not.toThrow();
  });

  it("allowInsecureHttp lets http through to any host", async () => {
    const t = transport(json(200, user()));
    await createUsersClient({
      apiKey: KEY,
      baseUrl: "http://api.internal",
      allowInsecureHttp: true,
      fetch: t.fetch,
    }).users.get("x");
    expect(t.calls[0]!.url).toBe("http://api.internal/v2/users/x");
  });

  it.each(["", "not a url", "api.arize.com"])(
    "an unparsable baseUrl %j is an ArizeError that says what was given",
    (baseUrl) => {
      expect(() => createUsersClient({ apiKey: KEY, baseUrl })).toThrow(ArizeError);
      expect(() => createUsersClient({ apiKey: KEY, baseUrl })).toThrow(
        `Invalid baseUrl: ${JSON.stringify(baseUrl)} is not an absolute URL (e.g. https://api.arize.com)`,
      );
    },
  );

  it("headers are added to every request but never replace Authorization", async () => {
    const t = transport(json(200, user()));
    const arize = client(t.fetch, {
      headers: { "X-Team": "blue", Authorization: "Bearer stolen", authorization: "Basic x" },
    });
    await arize.users.get(ID);
    await arize.raw.GET("/v2/users/{user_id}", {
      params: { path: { user_id: ID } },
      headers: { Authorization: "Bearer other" },
    });
    for (const c of t.calls) {
      expect(c.headers.get("authorization")).toBe(`Bearer ${KEY}`);
      expect(c.headers.get("x-team")).toBe("blue");
    }
  });

  // VERSION is generated from package.json; check:generated (and its own test) catch a stale copy.
  it("sends a User-Agent naming arize-users-client and its version", async () => {
    const t = transport(json(200, user()));
    await client(t.fetch).users.get(ID);
    expect(t.calls[0]!.headers.get("user-agent")).toBe(`arize-users-client/${VERSION}`);
  });

  it("raw is the openapi-fetch client with the same auth and retries", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const t = transport(json(503, { title: "Busy", status: 503 }), json(200, user()));
      const p = client(t.fetch).raw.GET("/v2/users/{user_id}", { params: { path: { user_id: ID } } });
      await vi.runAllTimersAsync();
      const { data, response } = await p;
      expect(response.status).toBe(200);
      expect(data).toEqual(user());
      expect(t.calls).toHaveLength(2);
      expect(t.calls[1]!.url).toBe(`${BASE}/v2/users/${encodeURIComponent(ID)}`);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    [{ timeoutMs: 0 }, /Invalid timeoutMs: 0/],
    [{ timeoutMs: -5 }, /Invalid timeoutMs/],
    [{ timeoutMs: Number.NaN }, /Invalid timeoutMs/],
    [{ timeoutMs: 2 ** 31 }, /Invalid timeoutMs/],
    [{ maxRetries: -1 }, /Invalid maxRetries: -1/],
    [{ maxRetries: 1.5 }, /Invalid maxRetries/],
  ])("rejects bad limits %o before any request", async (opts, msg) => {
    const t = transport(json(200, user()));
    await expect(client(t.fetch, opts).users.get(ID)).rejects.toThrow(msg);
    await expect(client(t.fetch).users.get(ID, opts)).rejects.toThrow(msg);
    const e = await rejection(client(t.fetch).users.get(ID, opts));
    expect(e).toBeInstanceOf(ArizeError);
    expect(t.calls).toHaveLength(0);
  });
});
