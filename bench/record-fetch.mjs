// Preloaded (`node --import`, via NODE_OPTIONS) into the contract suite's processes by the pipeline
// benchmark: appends every request made with the global fetch (the client, the mock suite's own
// requests) or with node:http (the conformance engine's transport), and the status it got, to
// $BENCH_RECORD as JSON lines, so the same requests can be replayed with plain fetch and no test
// runner. Not part of the suite. A real ARIZE_API_KEY is never written down.
import { appendFileSync } from "node:fs";
import http from "node:http";

const file = process.env.BENCH_RECORD;
const key = process.env.ARIZE_API_KEY;
const hidden = (value) => (key && value.includes(key) ? value.replaceAll(key, "[REDACTED]") : value);
const record = (entry) => appendFileSync(file, `${JSON.stringify(entry)}\n`);

const originalFetch = globalThis.fetch;
if (file && originalFetch) {
  globalThis.fetch = async function recordingFetch(input, init) {
    const request = new Request(input, init);
    const body = request.body ? await request.clone().text() : null;
    const headers = [...request.headers].map(([n, v]) => [n, hidden(v)]);
    const response = await originalFetch(request);
    record({ method: request.method, url: request.url, headers, body, status: response.status });
    return response;
  };
}

const originalRequest = http.request;
if (file) {
  http.request = function recordingRequest(...args) {
    const req = originalRequest.apply(this, args);
    const chunks = [];
    const end = req.end;
    req.end = function (chunk, ...rest) {
      if (chunk !== undefined && typeof chunk !== "function") chunks.push(Buffer.from(chunk));
      return end.call(this, chunk, ...rest);
    };
    req.once("response", (res) => {
      const headers = Object.entries(req.getHeaders())
        .filter(([n]) => n !== "content-length" && n !== "host")
        .map(([n, v]) => [n, hidden(String(v))]);
      const body = chunks.length ? Buffer.concat(chunks).toString("utf8") : null;
      const url = `http://${req.getHeader("host")}${req.path}`;
      record({ method: req.method, url, headers, body, status: res.statusCode });
    });
    return req;
  };
}
