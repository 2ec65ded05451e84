// A redirect never carries the API key elsewhere (issue 18): two real servers on 127.0.0.1, two
// origins; the API answers each call with a redirect to the other, which records what reaches it.
import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listenLocal, type Listening } from "../../contract-tests/engine/listen.ts";
import { ArizeError, type UsersClient } from "../../src/index.ts";
import { BASE, client, ID, KEY, rejection, transport, user } from "./helpers.ts";

const STATUSES = [301, 302, 303, 307, 308];
let status = 302;
let apiHits = 0;
/** The headers of every request that reached the other origin. */
const elsewhere: IncomingHttpHeaders[] = [];
let api: Listening;
let other: Listening;

beforeAll(async () => {
  // The other origin answers like the API would, so a client that followed would succeed there.
  other = await listenLocal(
    createServer((req, res) => {
      elsewhere.push(req.headers);
      const body = req.url?.startsWith("/v2/users?") ? { users: [], pagination: { has_more: false } } : user();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    }),
  );
  api = await listenLocal(
    createServer((req, res) => {
      apiHits++;
      res.writeHead(status, { location: `${other.url}${req.url}${req.url?.includes("?") ? "&" : "?"}token=s3cr3t` });
      res.end();
    }),
  );
});
afterAll(async () => {
  await api?.stop();
  await other?.stop();
});
beforeEach(() => {
  elsewhere.length = 0;
  apiHits = 0;
});

const calls: [string, (arize: UsersClient) => Promise<unknown>, string][] = [
  ["users.get", (a) => a.users.get(ID), `GET /v2/users/${encodeURIComponent(ID)}`],
  ["users.delete", (a) => a.users.delete(ID), `DELETE /v2/users/${encodeURIComponent(ID)}`],
  ["users.list", (a) => a.users.list({ email: "jo@example.com" }), "GET /v2/users?email=jo%40example.com"],
  ["users.findByEmail", (a) => a.users.findByEmail("jo@example.com"), "GET /v2/users?email=jo%40example.com&limit=100"],
  [
    "raw.GET",
    (a) => a.raw.GET("/v2/users/{user_id}", { params: { path: { user_id: ID } } }),
    `GET /v2/users/${encodeURIComponent(ID)}`,
  ],
];

describe.each(STATUSES)("the API answers %i to another origin", (code) => {
  beforeEach(() => {
    status = code;
  });

  it.each(calls)(
    "%s: not followed, so the other origin never sees the key; an ArizeError says why",
    async (_, call, route) => {
      const [method, path] = route.split(" ");
      const e = await call(client(undefined, { baseUrl: api.url })).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(
        elsewhere.flatMap((h) => h.authorization ?? []),
        "the key reached the other origin",
      ).toEqual([]);
      expect(elsewhere, "the redirect was followed").toHaveLength(0);
      expect(e).toBeInstanceOf(ArizeError);
      expect(e!.message).toBe(
        `Redirect not followed: ${method} ${api.url}${path} answered ${code} to ${other.url}${path!.split("?")[0]}; the client sends the API key to its baseUrl only: is baseUrl the API's address?`,
      );
      expect(e!.message).not.toContain("s3cr3t");
      expect(e!.message).not.toContain(KEY);
      // Not retried: a redirect is no transient failure.
      expect(apiHits).toBe(1);
    },
  );

  it("deleteMany: the user's result is failed with that error; nothing reaches the other origin", async () => {
    const [result] = await client(undefined, { baseUrl: api.url }).users.deleteMany({ ids: [ID] });
    expect(elsewhere).toHaveLength(0);
    expect(result).toMatchObject({ input: ID, userId: ID, status: "failed" });
    expect(result!.error?.message).toMatch(/^Redirect not followed: DELETE /);
  });
});

it("a browser's opaque redirect (status 0, no Location) is refused the same way", async () => {
  const opaque = { status: 0, type: "opaqueredirect", headers: new Headers(), body: null } as unknown as Response;
  const t = transport(() => opaque);
  const e = await rejection(client(t.fetch).users.get(ID));
  expect(e).toBeInstanceOf(ArizeError);
  expect(e.message).toBe(
    `Redirect not followed: GET ${BASE}/v2/users/${encodeURIComponent(ID)} answered a redirect; the client sends the API key to its baseUrl only: is baseUrl the API's address?`,
  );
  expect(t.calls).toHaveLength(1);
});
