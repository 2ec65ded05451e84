// The model-based property against the reference server over HTTP on 127.0.0.1: the conforming
// server gives no observation under five seeds (also read-only, and without a model); the Prism
// mock neither; and a model-based run sends as many requests per second as the user's life.
import { describe, expect, it } from "vitest";
import { startPrism } from "./prism.ts";
import { lifeProperty, type Sender } from "./properties.ts";
import { explore, type Property } from "./runner.ts";
import { bodies, describeFailures, exploreOn, hooks, settings, stateful, testSender } from "./stateful.fixtures.ts";

describe("the conforming reference server: no observation", () => {
  it.each([1, 2, 3, 4, 5])("seed %i", async (seed) => {
    const { failures, sent } = await exploreOn(undefined, settings(seed), stateful());
    expect(describeFailures(failures)).toBe("");
    for (const method of ["POST", "PATCH", "DELETE", "GET"]) expect(sent.map((r) => r.method)).toContain(method);
  });

  it("reads only: list and get on the account's users, nothing written, no observation", async () => {
    const { failures, sent } = await exploreOn(undefined, settings(1), stateful({ writes: false }));
    expect(describeFailures(failures)).toBe("");
    expect(new Set(sent.map((r) => r.method))).toEqual(new Set(["GET"]));
    expect(sent.some((r) => /\/v2\/users\/[^/?]+$/.test(new URL(r.url).pathname))).toBe(true); // a get by id
  });

  it("without a model (a server that keeps no state): answers and acceptance only, no observation", async () => {
    const { failures } = await exploreOn(undefined, settings(1), stateful({ model: false }));
    expect(describeFailures(failures)).toBe("");
  });
});

describe("the mock (Prism): sequences without a model", () => {
  it("every answer conforms and every valid request is accepted", async () => {
    const prism = await startPrism({ mode: "mock" });
    try {
      const sender = testSender(prism.url);
      const { failures } = await explore(stateful({ model: false })(sender), settings(1, { runs: 10 }));
      expect(describeFailures(failures)).toBe("");
      expect(sender.sent.length).toBeGreaterThan(20);
    } finally {
      await prism.stop();
    }
  }, 60_000);
});

describe("speed", () => {
  it("requests per second of a model-based run, beside the user's life, on the conforming server", async () => {
    const rate = async (property: (s: Sender) => Property<unknown>, runs: number) => {
      const { failures, sent, ms } = await exploreOn(undefined, settings(7, { runs }), property);
      expect(describeFailures(failures)).toBe("");
      return { requests: sent.length, perSecond: (1000 * sent.length) / ms };
    };
    const lifeOf = (s: Sender) => lifeProperty(s, hooks, bodies.create, bodies.update) as Property<unknown>;
    const sequencesOf = stateful() as (s: Sender) => Property<unknown>;
    await rate(lifeOf, 5); // warm both up first: the first requests of a process are the slowest
    await rate(sequencesOf, 5);
    const life = await rate(lifeOf, 80);
    const sequences = await rate(sequencesOf, 30);
    console.log(
      `requests/s: stateful ${sequences.perSecond.toFixed(0)} (${sequences.requests} requests), life ${life.perSecond.toFixed(0)} (${life.requests} requests)`,
    );
    // The model's bookkeeping costs little beside a request: no loss of speed per request (loose: timings are noisy).
    expect(sequences.perSecond).toBeGreaterThan(0.5 * life.perSecond);
  });
});
