// Per-request overhead: N sequential GET /v2/users/{id} against a local keep-alive server in another
// process, for plain fetch, bare openapi-fetch, this client and the official client, in rotated rounds.
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import createClient from "openapi-fetch";
import { createClient as createAxClient, getUser as axGetUser } from "@arizeai/ax-client";
import { createUsersClient } from "../src/index.ts";
import type { paths } from "../generated/users.ts";
import { user } from "./fixture.ts";
import { BENCH, type Spread, median, printTable, round, spread, startChild, stopChild, waitForMessage } from "./lib.ts";

const API_KEY = "bench-key-not-a-secret";
const SERVER = join(BENCH, "server.mjs");

export interface OverheadOptions {
  rounds: number;
  perRound: number;
  warmup: number;
}
export interface OverheadResult {
  name: string;
  usPerRequest: Spread; // µs, over every timed request
  vsFetch: Spread; // median: ratio of pooled medians; p25/p75: of the same ratio round by round
  vsOpenapiFetch: Spread;
}

type Contender = { name: string; get: () => Promise<string> };

function contenders(baseUrl: string): Contender[] {
  const url = `${baseUrl}/v2/users/${encodeURIComponent(user.id)}`;
  const auth = { Authorization: `Bearer ${API_KEY}` };
  const bare = createClient<paths>({ baseUrl, headers: auth });
  const twin = createClient<paths>({ baseUrl, headers: auth });
  const bareGet = async (c: typeof bare) => {
    const { data, response } = await c.GET("/v2/users/{user_id}", { params: { path: { user_id: user.id } } });
    if (!data) throw new Error(`openapi-fetch: HTTP ${response.status}`);
    return data.id;
  };
  const ours = createUsersClient({ apiKey: API_KEY, baseUrl });
  const ax = createAxClient({ apiKey: API_KEY, baseUrl });
  return [
    {
      name: "plain fetch + res.json()",
      get: async () => {
        const res = await fetch(url, { headers: auth });
        if (!res.ok) throw new Error(`plain fetch: HTTP ${res.status}`);
        return ((await res.json()) as { id: string }).id;
      },
    },
    { name: "openapi-fetch createClient<paths>", get: () => bareGet(bare) },
    { name: "arize-users-client users.get", get: async () => (await ours.users.get(user.id)).id },
    { name: "@arizeai/ax-client getUser", get: async () => (await axGetUser({ client: ax, userId: user.id })).id },
    // A/A control: the same code as contender 2 under another name; its distance from 1 × openapi-fetch
    // is what this run can resolve.
    { name: "openapi-fetch again (A/A control)", get: () => bareGet(twin) },
  ];
}

// A full GC at the start of each round keeps garbage of earlier rounds off the timed requests.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// Times each request on its own: the median of single requests shrugs off the GC pauses and
// scheduler hiccups that swamp a batch mean on a busy machine.
async function batch(c: Contender, n: number, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const id = await c.get();
    into.push((performance.now() - t0) * 1000);
    if (id !== user.id) throw new Error(`${c.name} returned user ${JSON.stringify(id)}, expected ${user.id}`);
  }
}

export async function measureOverhead(opts: OverheadOptions): Promise<OverheadResult[]> {
  const server = startChild(SERVER, [JSON.stringify(user), `Bearer ${API_KEY}`], { ipc: true });
  try {
    const { port } = await waitForMessage<{ port: number }>(server, { timeoutMs: 10_000, what: "bench server" });
    const list = contenders(`http://127.0.0.1:${port}`);
    // The official client prints a one-time pre-release notice on first use; keep it off the tables.
    const warn = console.warn;
    console.warn = () => {};
    try {
      for (const c of list) await batch(c, opts.warmup, []);
    } finally {
      console.warn = warn;
    }
    const all = list.map(() => [] as number[]); // every request, µs
    const perRound = list.map(() => [] as number[]); // median of each round, µs
    for (let r = 0; r < opts.rounds; r++) {
      // Rotate the order every round (ABCD, BCDA, …) so drift and warm-up hit everyone alike.
      for (let k = 0; k < list.length; k++) {
        const i = (r + k) % list.length;
        if (k === 0) gc(); // keep collections of earlier rounds' garbage out of the timed requests
        const times: number[] = [];
        await batch(list[i]!, opts.perRound, times);
        all[i]!.push(...times);
        perRound[i]!.push(median(times));
      }
    }
    // Ratios: the pooled medians' ratio, with the spread of the same ratio taken round by round.
    const ratio = (i: number, j: number) => ({
      ...spread(perRound[i]!.map((x, r) => x / perRound[j]![r]!)),
      median: median(all[i]!) / median(all[j]!),
    });
    return list.map((c, i) => ({
      name: c.name,
      usPerRequest: spread(all[i]!),
      vsFetch: ratio(i, 0),
      vsOpenapiFetch: ratio(i, 1),
    }));
  } finally {
    await stopChild(server);
  }
}

export function printOverhead(results: OverheadResult[], opts: OverheadOptions): void {
  const f = (s: Spread, d = 1) => `${round(s.median, d)} (${round(s.p25, d)}–${round(s.p75, d)})`;
  printTable(
    `Per-request overhead: ${opts.rounds} rotated rounds × ${opts.perRound} sequential GETs each (median; p25–p75 of single requests, and of the ratio round by round)`,
    ["contender", "µs/request", "× plain fetch", "× openapi-fetch"],
    results.map((r) => [r.name, f(r.usPerRequest), f(r.vsFetch, 3), f(r.vsOpenapiFetch, 3)]),
  );
}
