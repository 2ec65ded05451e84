// The transports: whole answers whatever the status, NoAnswer for each way a server can fail to
// answer, no redirect followed (the key never goes to another origin), keep-alive, abort.
import { createServer, type RequestListener, type Server } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "./prism.ts";
import { listenLocal, type Listening } from "./listen.ts";
import { handlerTransport, httpTransport, NoAnswer, type Transport, type WireRequest } from "./transport.ts";

const servers: Listening[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));
async function serve(handler: RequestListener, setup?: (server: Server) => void): Promise<string> {
  const server = createServer(handler);
  setup?.(server);
  const listening = await listenLocal(server);
  servers.push(listening);
  return listening.url;
}

const get = (url: string, headers: Record<string, string> = {}): WireRequest => ({ method: "GET", url, headers });
const noAnswer = async (p: Promise<unknown>): Promise<NoAnswer> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NoAnswer);
  return err as NoAnswer;
};

// What every test server answers: the request as it arrived.
const echo: RequestListener = (req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    res.setHeader("set-cookie", ["a=1", "b=2"]);
    res.writeHead(418, { "content-type": "application/json", "x-Seen": "yes" });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
  });
};
const never: RequestListener = () => {};
const slowBody: RequestListener = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.write('{"users": ['); // and never more
};
const hangUp: RequestListener = (req) => req.socket.destroy();

describe.each([
  ["HTTP over a keep-alive pool", "http"],
  ["a request handler in-process", "handler"],
] as const)("%s", (_, kind) => {
  const transport = (handler: RequestListener): Promise<{ t: Transport; base: string }> =>
    kind === "http"
      ? serve(handler).then((base) => ({ t: httpTransport(), base }))
      : Promise.resolve({ t: handlerTransport(handler), base: "http://in-process.localhost" });

  it("answers whole, whatever the status: lower-case header names, repeated headers joined, the body as text", async () => {
    const { t, base } = await transport(echo);
    const answer = await t.send(
      {
        method: "PATCH",
        url: `${base}/v2/users/a%2Fb?x=1`,
        headers: { "Content-Type": "application/json" },
        body: '{"n":"é"}',
      },
      { timeoutMs: 5_000 },
    );
    expect(answer.status).toBe(418);
    expect(answer.headers["x-seen"]).toBe("yes");
    expect(answer.headers["set-cookie"]).toBe("a=1, b=2");
    const seen = JSON.parse(answer.body) as {
      method: string;
      url: string;
      body: string;
      headers: Record<string, string>;
    };
    expect(seen).toMatchObject({ method: "PATCH", url: "/v2/users/a%2Fb?x=1", body: '{"n":"é"}' });
    expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength('{"n":"é"}')));
    await t.close();
  });

  it("no answer within the timeout: NoAnswer timeout, in about that time", async () => {
    const { t, base } = await transport(never);
    const started = Date.now();
    const err = await noAnswer(t.send(get(`${base}/v2/users`), { timeoutMs: 300 }));
    expect(err.kind).toBe("timeout");
    expect(err.message).toBe(`GET ${base}/v2/users: no answer within 0.3 s`);
    expect(Date.now() - started).toBeLessThan(5_000);
    await t.close();
  });

  it("an abort rejects with the signal's reason, not NoAnswer", async () => {
    const { t, base } = await transport(never);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error("stop here")), 50);
    await expect(t.send(get(`${base}/v2/users`), { timeoutMs: 10_000, signal: abort.signal })).rejects.toThrow(
      "stop here",
    );
    await t.close();
  });
});

describe("HTTP: the ways a live server fails to answer", () => {
  const t = httpTransport();
  afterAll(() => t.close());

  it("a body that never ends: timeout", async () => {
    const base = await serve(slowBody);
    expect((await noAnswer(t.send(get(`${base}/v2/users`), { timeoutMs: 300 }))).kind).toBe("timeout");
  });

  it("a connection closed without an answer: closed, naming the request", async () => {
    const base = await serve(hangUp);
    const err = await noAnswer(t.send(get(`${base}/v2/users`), { timeoutMs: 5_000 }));
    expect(err.kind).toBe("closed");
    expect(err.message).toMatch(new RegExp(`^GET ${base}/v2/users: the connection closed without an answer`));
    expect(err.request.url).toBe(`${base}/v2/users`);
  });

  it("an answer that is not HTTP: malformed", async () => {
    const base = await serve(echo, (server) =>
      server.prependListener("connection", (socket) => socket.end("HELLO, THIS IS NOT HTTP\r\n\r\n")),
    );
    const err = await noAnswer(t.send(get(`${base}/v2/users`), { timeoutMs: 5_000 }));
    expect(err.kind).toBe("malformed");
    expect(err.message).toMatch(/the answer is not valid HTTP \(HPE_/);
  });

  it("nothing listening: refused", async () => {
    const port = await freePort();
    expect((await noAnswer(t.send(get(`http://127.0.0.1:${port}/v2/users`), { timeoutMs: 5_000 }))).kind).toBe(
      "refused",
    );
  });

  it("keeps connections alive: sequential requests share one socket", async () => {
    let connections = 0;
    const base = await serve(echo, (s) => s.on("connection", () => connections++));
    for (let i = 0; i < 5; i++) await t.send(get(`${base}/v2/users`), { timeoutMs: 5_000 });
    expect(connections).toBe(1);
  });

  it("a kept-alive socket the server dropped meanwhile: sent again once on a new one, answered", async () => {
    // The race of a server's keep-alive timeout: it drops a reused connection as the next request arrives.
    const requestsOn = new WeakMap<object, number>();
    const base = await serve((req, res) => {
      const n = (requestsOn.get(req.socket) ?? 0) + 1;
      requestsOn.set(req.socket, n);
      if (n > 1) return req.socket.destroy();
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
    for (let i = 0; i < 3; i++) expect((await t.send(get(`${base}/v2/users`), { timeoutMs: 5_000 })).body).toBe("ok");
  });

  it("a server that drops every request: closed, also on the new socket", async () => {
    const base = await serve(hangUp);
    await noAnswer(t.send(get(`${base}/v2/users`), { timeoutMs: 5_000 }));
    expect((await noAnswer(t.send(get(`${base}/v2/users`), { timeoutMs: 5_000 }))).kind).toBe("closed");
  });

  it("a redirect to another origin is not followed: the API key never reaches it", async () => {
    const elsewhere: string[] = [];
    const other = await serve((req, res) => {
      elsewhere.push(String(req.headers.authorization));
      res.writeHead(200).end("{}");
    });
    const base = await serve((_req, res) => res.writeHead(307, { location: `${other}/v2/users` }).end());
    const answer = await t.send(get(`${base}/v2/users`, { Authorization: "Bearer secret-key" }), { timeoutMs: 5_000 });
    expect(answer.status).toBe(307);
    expect(answer.headers.location).toBe(`${other}/v2/users`);
    expect(elsewhere).toEqual([]);
  });
});
