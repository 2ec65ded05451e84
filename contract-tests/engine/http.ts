// From a generated case to bytes on the wire, and one exchange with the server: 429s waited out
// (Retry-After seconds, at most 10, 3 attempts), every answer read whole, nothing thrown for a
// status. Used alike for the mock, Prism's validating proxy and the server itself.
import type { Exchange, WireRequest } from "./runner.ts";

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

export interface SendOptions {
  /** Send through another base URL (Prism in front of the server): `from`, the server's base URL in `request.url`, becomes `to`; the exchange keeps `request`. */
  via?: { from: string; to: string } | undefined;
  /** Extra headers for this hop only (e.g. the tap's id); not part of the reproduced request. */
  hopHeaders?: Record<string, string> | undefined;
  timeoutMs?: number;
}

/** One exchange, whatever its status. A network failure throws, naming the request. */
export async function sendOnce(request: WireRequest, o: SendOptions = {}): Promise<Exchange & { raw: Response }> {
  // A base URL may carry a path prefix (https://host/api): Prism knows the spec's paths only.
  const url =
    o.via && request.url.startsWith(o.via.from) ? o.via.to + request.url.slice(o.via.from.length) : request.url;
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: { ...request.headers, ...o.hopHeaders },
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: "manual",
      signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
    });
  } catch (err) {
    const why =
      err instanceof Error
        ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ""}`
        : String(err);
    throw new Error(`${request.method} ${url}: no answer: ${why}`);
  }
  const body = await response.text();
  return {
    request,
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body,
    json: parse(body),
    raw: response,
  };
}

/**
 * Repeats `attempt` after a 429 that says when (Retry-After seconds, at most 10; 3 attempts in
 * all). The 429s waited out come back too: they are answers to check like any other.
 */
export async function retrying<E extends Exchange>(attempt: () => Promise<E>): Promise<{ final: E; retried: E[] }> {
  const retried: E[] = [];
  for (;;) {
    const answer = await attempt();
    const wait = Number(answer.headers["retry-after"]);
    if (
      answer.status !== 429 ||
      retried.length === 2 ||
      answer.headers["retry-after"] === undefined ||
      !Number.isFinite(wait)
    )
      return { final: answer, retried };
    retried.push(answer);
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(wait, 0), 10) * 1000));
  }
}
