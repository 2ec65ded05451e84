import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../generated/users.js";
import { invalid } from "./errors.js";
import { type Fetch, type LogEntry, retryingFetch } from "./retry.js";
import { users, type UsersResource } from "./users.js";
import { VERSION } from "./version.js";

export interface ClientOptions {
  /** Default: the `ARIZE_API_KEY` environment variable. */
  apiKey?: string;
  /** Default: `ARIZE_BASE_URL`, then `https://api.arize.com`. */
  baseUrl?: string;
  /** Default: `globalThis.fetch`. Called as `fetch(request, { signal })`. */
  fetch?: Fetch;
  /** Per attempt, reading the body included. Default 60 000. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Added to every request; they can never replace `Authorization`. */
  headers?: Record<string, string>;
  /** Allow `http://` to a non-loopback host (the API key would travel in clear). */
  allowInsecureHttp?: boolean;
  /** Told of each attempt; `Authorization` is redacted. */
  logger?: (entry: LogEntry) => void;
}

export interface UsersClient {
  users: UsersResource;
  /** The openapi-fetch client, with the same auth, retries and timeouts. */
  raw: Client<paths>;
}

// Refuse ids that openapi-fetch would turn into another endpoint ("", ".", ".."); percent-encode the rest.
const pathSerializer = (path: string, params: Record<string, unknown>) =>
  path.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    try {
      if (typeof v == "string" && !/^\.{0,2}$/.test(v)) return encodeURIComponent(v);
    } catch {}
    throw invalid(k, "not a string, or '', '.' or '..'");
  });

/**
 * A client for the users resource of the Arize REST API v2.
 * @example
 * const arize = createUsersClient({ apiKey: process.env.ARIZE_API_KEY });
 * const user = await arize.users.get("VXNlcjoxMjM0NQ==");
 */
export function createUsersClient(o: ClientOptions = {}): UsersClient {
  // No Node built-ins: `process` only when it exists (browsers have none).
  const proc = (globalThis as { process?: { env: Record<string, string | undefined> } }).process;
  const env = proc?.env ?? {};
  const key = o.apiKey ?? env.ARIZE_API_KEY;
  // Printable ASCII only: a bad key must not reach a header parser that would quote it.
  if (!key || !/^[!-~]+$/.test(key)) throw invalid("apiKey", "set ARIZE_API_KEY or pass apiKey");
  const base = o.baseUrl ?? env.ARIZE_BASE_URL ?? "https://api.arize.com";
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw invalid("baseUrl", base);
  }
  const p = url.protocol;
  if (p != "https:" && !(p == "http:" && (o.allowInsecureHttp || /^(localhost|127(\.\d+){3}|\[::1\])$/.test(url.hostname))))
    throw invalid("baseUrl", "https only (or allowInsecureHttp)");
  const raw = createClient<paths>({
    baseUrl: url.href,
    fetch: retryingFetch(o.fetch ?? globalThis.fetch, "Bearer " + key, { ...o }),
    headers: { ...(proc && { "User-Agent": `arize-users-client/${VERSION}` }), ...o.headers },
    pathSerializer,
  });
  return { users: users(raw), raw };
}
