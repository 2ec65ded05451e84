// One engine run in a fresh process, CPU-profiled from the call to the return (node:inspector,
// in-process), for "where the time goes". Run unbundled with the TypeScript loader so that the
// profile names each source module. Argument: a JSON { url, writes, out }; the key comes in
// BENCH_REFERENCE_KEY. Writes { profile, run } to `out`, where the parent summarises it.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { timedRun } from "./timeline.ts";

const { url, writes, out } = JSON.parse(process.argv[2] ?? "{}") as { url: string; writes: boolean; out: string };
const apiKey = process.env.BENCH_REFERENCE_KEY ?? "";
if (!url || !out || !apiKey) {
  console.error('usage: BENCH_REFERENCE_KEY=… profile-run.ts \'{"url":…,"writes":…,"out":…}\'');
  process.exit(2);
}
/** Sampling interval, µs: fine enough for a run of a few seconds, coarse enough to cost little. */
const SAMPLING_US = 250;

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: SAMPLING_US });
await session.post("Profiler.start");
const run = await timedRun({ baseUrl: url, apiKey, writes });
const { profile } = await session.post("Profiler.stop");
session.disconnect();
writeFileSync(out, JSON.stringify({ profile, run }));
