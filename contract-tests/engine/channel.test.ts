// The run's channel: the request cap, the rate shared by all requests in flight, the abort, the
// timeout (shortened once the server left a request unanswered), and the request event.
import { describe, expect, it } from "vitest";
import { createChannel, RunStopped, type ChannelOptions } from "./channel.ts";
import { NoAnswer, type SendOptions, type Transport, type WireRequest } from "./transport.ts";

const request: WireRequest = { method: "GET", url: "http://127.0.0.1:9/v2/users", headers: {} };
const meta = { operationId: "listUsers" };

/** A transport that answers 200 at once, or times out where `hangs` says, and remembers each timeout it was given. */
function fakeTransport(hangs: (n: number) => boolean = () => false) {
  const timeouts: number[] = [];
  let n = 0;
  const transport: Transport = {
    async send(r: WireRequest, o: SendOptions) {
      timeouts.push(o.timeoutMs);
      if (hangs(++n))
        throw new NoAnswer("timeout", r, `${r.method} ${r.url}: no answer within ${o.timeoutMs / 1000} s`);
      return { status: 200, headers: {}, body: "" };
    },
    close: async () => {},
  };
  return { transport, timeouts };
}

const channel = (over: Partial<ChannelOptions> = {}) =>
  createChannel({
    transport: fakeTransport().transport,
    signal: new AbortController().signal,
    rate: Number.POSITIVE_INFINITY,
    maxRequests: Number.POSITIVE_INFINITY,
    requestTimeoutMs: 10_000,
    onRequest: () => {},
    ...over,
  });

describe("channel", () => {
  it("the request cap: the next request throws RunStopped, and stopped() says why; the clean-up's requests still go", async () => {
    const c = channel({ maxRequests: 3 });
    for (let i = 0; i < 3; i++) await c.send(request, meta);
    expect(c.stopped()).toBeUndefined();
    await expect(c.send(request, meta)).rejects.toThrow(new RunStopped("the request cap (3) was reached"));
    expect(c.stopped()).toBe("the request cap (3) was reached");
    await expect(c.send(request, meta, { exempt: true })).resolves.toMatchObject({ status: 200 });
    expect(c.requests).toBe(4);
  });

  it("an abort stops the run: RunStopped('interrupted') before sending", async () => {
    const abort = new AbortController();
    const c = channel({ signal: abort.signal });
    abort.abort();
    await expect(c.send(request, meta)).rejects.toThrow(new RunStopped("interrupted"));
    expect(c.stopped()).toBe("interrupted");
    expect(c.requests).toBe(0);
  });

  it("the rate is shared by requests in flight: 10 at once at 20 a second take at least 0.45 s", async () => {
    const c = channel({ rate: 20 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => c.send(request, meta)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(440);
  });

  it("once a request got no answer, later ones wait at most 10 × the slowest answer (at least 1 s), not the full timeout", async () => {
    const fake = fakeTransport((n) => n === 3);
    const c = channel({ transport: fake.transport, requestTimeoutMs: 30_000 });
    await c.send(request, meta);
    await c.send(request, meta);
    await expect(c.send(request, meta)).rejects.toBeInstanceOf(NoAnswer);
    await c.send(request, meta);
    expect(fake.timeouts).toEqual([30_000, 30_000, 30_000, 1_000]);
  });

  it("a kind of request (operation and query names) left unanswered twice waits at least 0.25 s, other kinds 1 s", async () => {
    const fake = fakeTransport((n) => n === 1 || n === 2);
    const c = channel({ transport: fake.transport, requestTimeoutMs: 30_000 });
    const filtered = { ...request, url: `${request.url}?email=a&limit=5` };
    await expect(c.send(filtered, meta)).rejects.toBeInstanceOf(NoAnswer);
    await expect(c.send({ ...filtered, url: `${request.url}?limit=9&email=b` }, meta)).rejects.toBeInstanceOf(NoAnswer);
    await c.send({ ...filtered, url: `${request.url}?email=c&limit=1` }, meta); // the same kind: shorter
    await c.send({ ...request, url: `${request.url}?limit=1` }, meta); // another kind
    await c.send(filtered, { operationId: "getUser" }); // another operation
    expect(fake.timeouts).toEqual([30_000, 1_000, 250, 1_000, 1_000]);
  });

  it("tells of every request, answered or not", async () => {
    const seen: (number | undefined)[] = [];
    const c = channel({
      transport: fakeTransport((n) => n === 2).transport,
      onRequest: (_r, { status }) => seen.push(status),
    });
    await c.send(request, meta);
    await c.send(request, meta).catch(() => {});
    expect(seen).toEqual([200, undefined]);
  });
});
