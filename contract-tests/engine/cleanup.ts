// The end of a run with writes: every user it created is deleted, the ids its creates answered and
// then a sweep of the users whose email carries the run id (a create may have landed unanswered).
// Its requests go out whatever stopped the run (abort, request cap), with a time limit of their own.
import type { Channel } from "./channel.ts";
import { stoppableSleep } from "./channel.ts";
import { exchangeOf, retryAfterSeconds } from "./http.ts";
import { itemPath, type Routes } from "./spec.ts";
import type { WireRequest } from "./transport.ts";

export interface CleanupOptions {
  baseUrl: string;
  apiKey: string;
  channel: Channel;
  routes: Routes;
  runId: string;
  /** Ids of users the run's creates answered. */
  created: Iterable<string>;
}

const SWEEP_PAGES = 50;
const RETRIES_ON_429 = 2;

/** Deletes what the run created; resolves to what could not be deleted (`<id> (<status>)`). */
export async function deleteCreatedUsers(o: CleanupOptions): Promise<string[]> {
  const headers = { Authorization: `Bearer ${o.apiKey}` };
  const call = async (method: string, path: string, operationId: string) => {
    const request: WireRequest = { method, url: o.baseUrl + path, headers };
    for (let attempt = 0; ; attempt++) {
      const answer = await o.channel.send(request, { operationId }, { exempt: true });
      if (answer.status !== 429 || attempt === RETRIES_ON_429) return exchangeOf(request, answer);
      // Without a Retry-After, a second, then two: a user left behind costs more than a wait.
      await stoppableSleep((retryAfterSeconds(answer.headers["retry-after"]) ?? attempt + 1) * 1000);
    }
  };
  const ids = new Set(o.created);
  try {
    for (const id of await sweep(o, call)) ids.add(id);
  } catch {
    // The sweep is a safety net; the recorded ids are still deleted below.
  }
  const left: string[] = [];
  for (const id of ids) {
    const gone = await call("DELETE", itemPath(o.routes.remove, id), o.routes.remove.operationId).catch(
      () => undefined,
    );
    // Any 2xx deleted it (a server answering 200 is the checks' business, not a user left behind).
    if (!gone || (gone.status >= 300 && gone.status !== 404)) left.push(`${id} (${gone ? gone.status : "no answer"})`);
  }
  return left;
}

/** Ids of listed users whose email carries the run id (the list's email filter, every page). */
async function sweep(
  o: CleanupOptions,
  call: (method: string, path: string, operationId: string) => Promise<{ status: number; json: unknown }>,
): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < SWEEP_PAGES; page++) {
    const query = `limit=100&email=${encodeURIComponent(o.runId)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const listed = await call("GET", `${o.routes.list.pathTemplate}?${query}`, o.routes.list.operationId);
    if (listed.status !== 200) break;
    const body = listed.json as {
      users?: { id?: unknown; email?: unknown }[];
      pagination?: { has_more?: boolean; next_cursor?: string };
    };
    for (const u of body?.users ?? [])
      if (typeof u?.id === "string" && String(u.email).toLowerCase().includes(o.runId.toLowerCase())) found.push(u.id);
    const next = body?.pagination?.next_cursor;
    if (!body?.pagination?.has_more || !next || next === cursor) break;
    cursor = next;
  }
  return found;
}
