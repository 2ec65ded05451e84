// From a generated case to bytes on the wire, an answer as an exchange, and 429s waited out
// (Retry-After seconds, at most 10, 3 attempts).
import { stoppableSleep } from "./channel.ts";
import type { Exchange } from "./runner.ts";
import type { Answer, WireRequest } from "./transport.ts";

/** The parts of a generated case that make a request (see generate.ts). */
export interface CaseParts {
  method: string;
  pathTemplate: string;
  path: Record<string, string>;
  query: [string, string][];
  body?: { json: unknown } | { raw: string; contentType?: string } | undefined;
}

/** Path and query of a case: path parameters percent-encoded, the query form-encoded (`+` as %2B). */
export function pathOf(c: Pick<CaseParts, "pathTemplate" | "path" | "query">): string {
  const path = c.pathTemplate.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = c.path[name];
    if (value === undefined) throw new Error(`case has no value for path parameter ${name} of ${c.pathTemplate}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(c.query).toString();
  return query ? `${path}?${query}` : path;
}

/** The request a case makes against `baseUrl`; `auth` replaces the bearer header (null: none). */
export function wireOf(c: CaseParts, baseUrl: string, apiKey: string, auth?: string | null): WireRequest {
  const headers: Record<string, string> = {};
  if (auth !== null) headers.Authorization = auth ?? `Bearer ${apiKey}`;
  let body: string | undefined;
  if (c.body && "json" in c.body) {
    body = JSON.stringify(c.body.json);
    headers["Content-Type"] = "application/json";
  } else if (c.body) {
    body = c.body.raw;
    headers["Content-Type"] = c.body.contentType ?? "application/json";
  }
  return { method: c.method.toUpperCase(), url: baseUrl + pathOf(c), headers, body };
}

const parse = (text: string): unknown => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

/** A request and its answer, the body parsed when it is JSON. */
export const exchangeOf = (request: WireRequest, answer: Answer): Exchange => ({
  request,
  ...answer,
  json: parse(answer.body),
});

/** The longest Retry-After waited for; a longer one is waited this long. */
const MAX_RETRY_AFTER_SECONDS = 10;

/**
 * Seconds a Retry-After asks for (seconds, or an HTTP date, as HTTP allows: the spec's integer is
 * checked by required_headers), at most 10; undefined when absent or unreadable.
 */
export function retryAfterSeconds(value: string | undefined): number | undefined {
  const text = value?.trim() ?? "";
  const seconds = /^-?\d+(\.\d+)?$/.test(text)
    ? Number(text)
    : /[a-z]/i.test(text)
      ? Math.max(0, (Date.parse(text) - Date.now()) / 1000)
      : Number.NaN;
  return Number.isNaN(seconds) || seconds < 0 ? undefined : Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}

/**
 * Repeats `attempt` after a 429 that says when (Retry-After, at most 10 s; 3 attempts in all). The
 * 429s waited out come back too: they are answers to check like any other.
 */
export async function retrying<E extends Exchange>(
  attempt: () => Promise<E>,
  signal?: AbortSignal,
): Promise<{ final: E; retried: E[] }> {
  const retried: E[] = [];
  for (;;) {
    const answer = await attempt();
    const wait = retryAfterSeconds(answer.headers["retry-after"]);
    if (answer.status !== 429 || retried.length === 2 || wait === undefined) return { final: answer, retried };
    retried.push(answer);
    await stoppableSleep(wait * 1000, signal);
  }
}
