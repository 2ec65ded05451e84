// The reference server (contract-tests/reference-server) in its own process, for the sections
// that measure something against it over HTTP: see reference-child.ts.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { MutationName } from "../contract-tests/reference-server/mutations.ts";
import { BENCH, TS_LOADER, startChild, stopChild, waitForMessage, type Child } from "./lib.ts";

export interface ServerStats {
  /** Requests since the last stats() (or the start). */
  requests: number;
  /** Epoch ms (sub-ms) the first of them arrived, or null. */
  firstAt: number | null;
  /** And the second (a command's first after its preflight probe). */
  secondAt: number | null;
}

export interface ReferenceChild {
  url: string;
  /** The key it accepts (a throw-away one, never printed). */
  key: string;
  /** What came since the last call; the count starts afresh. */
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

/** A throw-away key for the bench's servers. */
export const benchKey = () => `bench-key-${randomBytes(8).toString("hex")}`;

export async function startReferenceChild({
  mutation,
  key = benchKey(),
}: {
  mutation?: MutationName | undefined;
  key?: string;
} = {}): Promise<ReferenceChild> {
  const child = startChild(join(BENCH, "reference-child.ts"), mutation ? [mutation] : [], {
    ipc: true,
    execArgv: TS_LOADER,
    env: { ...process.env, BENCH_REFERENCE_KEY: key },
  });
  const what = `reference server${mutation ? ` (${mutation})` : ""}`;
  try {
    const { port } = await waitForMessage<{ port: number }>(child, { what });
    return { url: `http://127.0.0.1:${port}`, key, stats: () => askStats(child, what), stop: () => stopChild(child) };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

function askStats(child: Child, what: string): Promise<ServerStats> {
  const answer = waitForMessage<ServerStats>(child, { what, timeoutMs: 5_000 });
  child.send({ type: "stats" });
  return answer;
}
