// Deletes every user a conformance run created: the recorded ids, then a sweep of users whose
// email carries the run id (a create may have landed unrecorded). Plain JS in its own process so
// an interrupted run can wait for it synchronously (vitest exits 1 ms after SIGINT otherwise).
// Usage: ARIZE_API_KEY=… node cleanup.mjs <upstream> <runId> <createdFile>
// Prints {"left": ["<id> (<status>)", …]}: what could not be deleted.
import { existsSync, readFileSync } from "node:fs";

const [upstream, runId, createdFile] = process.argv.slice(2);
if (!upstream || !runId || !createdFile) {
  console.error("usage: node cleanup.mjs <upstream> <runId> <createdFile>");
  process.exit(2);
}
const headers = { Authorization: `Bearer ${process.env.ARIZE_API_KEY ?? ""}` };
// A 429 is waited out (Retry-After seconds, at most 10; 3 attempts): a rate-limited delete is not a leftover.
async function call(path, method = "GET") {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(upstream + path, { method, headers, signal: AbortSignal.timeout(15_000) });
    const wait = Number(res.headers.get("retry-after"));
    if (res.status !== 429 || attempt === 3 || !res.headers.has("retry-after") || !Number.isFinite(wait)) return res;
    await res.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(wait, 0), 10) * 1000));
  }
}

const ids = new Set(
  existsSync(createdFile)
    ? readFileSync(createdFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [],
);
try {
  let cursor;
  for (let page = 0; page < 50; page++) {
    const res = await call(
      `/v2/users?limit=100&email=${encodeURIComponent(runId)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    if (!res.ok) break;
    const body = await res.json();
    for (const u of body?.users ?? [])
      if (typeof u?.id === "string" && String(u.email).toLowerCase().includes(runId.toLowerCase())) ids.add(u.id);
    const next = body?.pagination?.next_cursor;
    if (!body?.pagination?.has_more || !next || next === cursor) break;
    cursor = next;
  }
} catch {
  // The sweep is a safety net; the recorded ids are still deleted below.
}
const left = [];
for (const id of ids) {
  const res = await call(`/v2/users/${encodeURIComponent(id)}`, "DELETE").catch(() => undefined);
  if (!res || (res.status !== 204 && res.status !== 404)) left.push(`${id} (${res ? res.status : "no answer"})`);
}
console.log(JSON.stringify({ left }));
