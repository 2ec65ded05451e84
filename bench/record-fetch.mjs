// Preloaded (`node --import`, via NODE_OPTIONS) into the contract suite's processes by the pipeline
// benchmark: appends every request made with the global fetch, and the status it got, to
// $BENCH_RECORD as JSON lines, so the same requests can be replayed with plain fetch and no test
// runner. Not part of the suite. A real ARIZE_API_KEY is never written down.
import { appendFileSync } from "node:fs";

const file = process.env.BENCH_RECORD;
const key = process.env.ARIZE_API_KEY;
const original = globalThis.fetch;
if (file && original) {
  globalThis.fetch = async function recordingFetch(input, init) {
    const request = new Request(input, init);
    const body = request.body ? await request.clone().text() : null;
    const headers = [...request.headers].map(([n, v]) => [
      n,
      key && v.includes(key) ? v.replaceAll(key, "[REDACTED]") : v,
    ]);
    const response = await original(request);
    const entry = { method: request.method, url: request.url, headers, body, status: response.status };
    appendFileSync(file, `${JSON.stringify(entry)}\n`);
    return response;
  };
}
