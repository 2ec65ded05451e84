import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RunStopped } from "./channel.ts";
import { explore, pool, Unanswered, type Observation, type Property, type Settings } from "./runner.ts";

const settings = (over: Partial<Settings> = {}): Settings => ({
  seed: 42,
  runs: 100,
  concurrency: 4,
  deadline: Number.POSITIVE_INFINITY,
  shrinkMs: 10_000,
  started: Date.now(),
  ...over,
});

// A fake server with two distinct faults: 500 on any name longer than 5, and a wrong field whenever n >= 70.
const faulty: Property<{ name: string; n: number }> = {
  name: "fake",
  arbitrary: fc.record({ name: fc.string({ maxLength: 30 }), n: fc.integer({ min: 0, max: 100 }) }),
  async run({ name, n }) {
    const out: Observation[] = [];
    if (name.length > 5)
      out.push({ check: "no_server_error", operation: "createUser", message: `500 for a name of ${name.length}` });
    if (n >= 70) out.push({ check: "response_schema", operation: "createUser", message: `n=${n}`, where: "body.n" });
    return out;
  },
};

describe("explore", () => {
  it("finds each distinct problem once, counts its cases, and shrinks it to the minimal case", async () => {
    const { failures, cases } = await explore(faulty, settings());
    expect(cases).toBe(100);
    expect(failures.map((f) => f.check).sort()).toEqual(["no_server_error", "response_schema"]);
    const server = failures.find((f) => f.check === "no_server_error")!;
    expect(server.message).toBe("500 for a name of 6"); // shrunk to the boundary
    expect(server.shrunk).toBe(true);
    expect(server.count).toBeGreaterThan(1);
    expect(failures.find((f) => f.check === "response_schema")!.message).toBe("n=70");
  });

  it("the same seed gives the same findings; another seed other cases", async () => {
    const a = await explore(faulty, settings());
    const b = await explore(faulty, settings());
    expect(b.failures).toEqual(
      a.failures.map((f) => ({ ...f, atMs: b.failures.find((g) => g.check === f.check)!.atMs })),
    );
    const seen: number[][] = [[], []];
    for (const [i, seed] of [1, 2].entries()) {
      await explore(
        {
          ...faulty,
          run: async (v) => {
            seen[i]!.push(v.n);
            return [];
          },
        },
        settings({ seed, runs: 20 }),
      );
    }
    expect(seen[0]).not.toEqual(seen[1]);
  });

  it("a problem that does not come back on replay is still reported, and says so", async () => {
    let calls = 0;
    const flaky: Property<number> = {
      name: "flaky",
      arbitrary: fc.integer(),
      run: async () => (++calls === 1 ? [{ check: "no_server_error", operation: "getUser", message: "500" }] : []),
    };
    const { failures } = await explore(flaky, settings({ runs: 5, concurrency: 1 }));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.shrunk).toBe(false);
    expect(failures[0]!.message).toMatch(/did not happen again when replayed/);
  });

  it("a property that throws reports it as run_completed, and the run goes on", async () => {
    const throwing: Property<number> = {
      name: "reads a field of nothing",
      arbitrary: fc.integer(),
      run: async () => {
        throw new TypeError("x is undefined");
      },
    };
    const { failures, cases } = await explore(throwing, settings({ runs: 5 }));
    expect(cases).toBe(5);
    expect(failures.map((f) => [f.check, f.message])).toEqual([
      ["run_completed", "reads a field of nothing: the check could not complete: x is undefined"],
    ]);
  });

  it("a passing property reports nothing", async () => {
    const { failures } = await explore({ ...faulty, run: async () => [] }, settings());
    expect(failures).toEqual([]);
  });
});

describe("pool", () => {
  it("keeps at most `limit` in flight and starts nothing after the deadline", async () => {
    let inFlight = 0;
    let most = 0;
    const done = await pool([...Array(20).keys()], 3, Infinity, async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
    });
    expect(done).toBe(20);
    expect(most).toBe(3);
    expect(await pool([1, 2, 3], 2, Date.now() - 1, async () => {})).toBe(0);
  });
});

describe("no answer, and the run's stop", () => {
  const request = { method: "GET", url: "http://127.0.0.1:9/v2/users?limit=7", headers: {} };
  // A server that never answers lists at an odd limit: the session throws Unanswered for those.
  const hangsOnOdd: Property<number> = {
    name: "hangs",
    arbitrary: fc.integer({ min: 1, max: 100 }),
    async run(limit) {
      if (limit % 2 === 1)
        throw new Unanswered({
          check: "server_answers",
          operation: "listUsers",
          message: `no answer for limit=${limit}`,
          where: "no answer: timeout",
          request: { ...request, url: `http://127.0.0.1:9/v2/users?limit=${limit}` },
        });
      return [];
    },
  };

  it("a request without an answer is a finding of server_answers, with its request, shrunk; the other values still run", async () => {
    const { failures, cases } = await explore(hangsOnOdd, settings({ runs: 30 }));
    expect(cases).toBe(30);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      check: "server_answers",
      where: "no answer: timeout",
      message: "no answer for limit=1",
    });
    expect(failures[0]!.request?.url).toMatch(/limit=1$/);
    expect(failures[0]!.count).toBeGreaterThan(1);
  });

  it("once stopped, no new value starts, a value cut short counts as nothing seen, nothing is replayed", async () => {
    let ran = 0;
    let stop = false;
    const { failures, cases } = await explore(
      {
        name: "stops",
        arbitrary: fc.integer({ min: 0, max: 100 }),
        async run(n) {
          if (++ran === 5) stop = true;
          if (stop) throw new RunStopped("the request cap (5) was reached");
          return [{ check: "response_schema", operation: "listUsers", message: `n=${n}` }];
        },
        concurrency: 1,
      },
      settings({ runs: 50, stopped: () => (stop ? "the request cap (5) was reached" : undefined) }),
    );
    expect(ran).toBe(5);
    expect(cases).toBe(5);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).not.toMatch(/did not happen again/); // reported as first seen, not replayed
    expect(failures[0]!.shrunk).toBe(false);
  });
});
