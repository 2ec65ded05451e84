// The reference server in a process of its own, so that whoever is measured against it (fetch, the
// engine, the command, Schemathesis) does not share its thread. Forked by bench/reference.ts with
// the TypeScript loader; the key comes in BENCH_REFERENCE_KEY, a mutant's name as the argument.
// Says { type: "ready", port } once listening; to { type: "stats" } it answers how many requests
// came and when the first two did (epoch ms), then starts counting afresh. Exits when the parent goes.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createReferenceHandler } from "../contract-tests/reference-server/server.ts";
import { isMutationName } from "../contract-tests/reference-server/mutations.ts";

const apiKey = process.env.BENCH_REFERENCE_KEY ?? "";
const mutation = process.argv[2] || undefined;
if (!apiKey || (mutation !== undefined && !isMutationName(mutation))) {
  console.error(`usage: BENCH_REFERENCE_KEY=… reference-child.ts [mutation]; got ${JSON.stringify(mutation)}`);
  process.exit(2);
}
const handler = createReferenceHandler({ apiKey, mutation });

let requests = 0;
// performance.timeOrigin + now(): epoch ms with sub-ms resolution, comparable with the parent's.
let arrivals: number[] = [];
const server = createServer((req, res) => {
  if (requests++ < 2) arrivals.push(performance.timeOrigin + performance.now());
  handler(req, res);
});
process.on("message", (m: { type?: string }) => {
  if (m?.type !== "stats") return;
  process.send?.({ type: "stats", requests, firstAt: arrivals[0] ?? null, secondAt: arrivals[1] ?? null });
  requests = 0;
  arrivals = [];
});
server.listen(0, "127.0.0.1", () => process.send?.({ type: "ready", port: (server.address() as AddressInfo).port }));
process.on("disconnect", () => process.exit(0));
