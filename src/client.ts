import createClient, {
  type Client,
  type ClientPathsWithMethod,
  type FetchResponse,
  type MaybeOptionalInit,
} from "openapi-fetch";
import type { paths } from "../generated/users.js";
import { userIdSegment } from "./checks.js";
import { ArizeError, invalid } from "./errors.js";
import type { Operation } from "./operations.js";
import {
  CALL_OPTIONS,
  type CallOptions,
  type Fetch,
  type LogEntry,
  type RequestOptions,
  retryingFetch,
} from "./retry.js";
import { type UntypedRequest, users, type UsersResource } from "./users.js";
import { isLoopbackHost } from "./loopback.js";
import { VERSION } from "./version.js";

export interface ClientOptions {
  /** Default: the `ARIZE_API_KEY` environment variable. */
  apiKey?: string;
  /** Default: `ARIZE_BASE_URL`, then `https://api.arize.com`. */
  baseUrl?: string;
  /** Default: `globalThis.fetch`. Called as `fetch(request, { signal, redirect: "manual" })`. */
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

type Method = Operation["method"];
// As openapi-typescript-helpers (openapi-fetch's) has it; not imported: it is not our dependency.
type RequiredKeysOf<T> = { [K in keyof T]: Record<never, never> extends Pick<T, K> ? never : K }[keyof T];

/**
 * openapi-fetch's method type (ClientMethod) with `RequestOptions` typed in the init: openapi-fetch
 * lets any extra init key through typed `unknown`, so `timeoutMs: "x"` would compile. (`& {}`:
 * a path that has method M has an operation there; openapi-fetch states it in its own constraint.)
 */
type RawMethod<M extends Method> = <
  Path extends ClientPathsWithMethod<Client<paths>, M>,
  Init extends MaybeOptionalInit<paths[Path], M>,
>(
  url: Path,
  ...init: RequiredKeysOf<Init> extends never ? [(Init & RequestOptions)?] : [Init & RequestOptions]
) => Promise<FetchResponse<paths[Path][M] & {}, Init, `${string}/${string}`>>;

/**
 * openapi-fetch's client for the methods the spec uses, with the same auth, retries and timeouts;
 * each call's init also takes `{ signal, timeoutMs, maxRetries }`.
 */
export interface RawClient extends Pick<Client<paths>, "use" | "eject"> {
  GET: RawMethod<"get">;
  POST: RawMethod<"post">;
  PATCH: RawMethod<"patch">;
  DELETE: RawMethod<"delete">;
}

export interface UsersClient {
  users: UsersResource;
  /** openapi-fetch's calls (`raw.GET("/v2/users/{user_id}", …)`), with the same auth, retries and timeouts. */
  raw: RawClient;
}

/** `raw`: each call's options move into the init entry the fetch wrapper reads, as `users.*` send them. */
const rawClient = (client: Client<paths>, request: UntypedRequest): RawClient => {
  const send =
    (method: Method) =>
    (url: string, { signal, timeoutMs, maxRetries, ...init }: RequestOptions = {}) =>
      request(method, url, { ...init, [CALL_OPTIONS]: { signal, timeoutMs, maxRetries } satisfies CallOptions });
  // RawMethod's generic signature checks each call where it is made; here any route goes.
  return {
    GET: send("get"),
    POST: send("post"),
    PATCH: send("patch"),
    DELETE: send("delete"),
    use: client.use,
    eject: client.eject,
  } as RawClient;
};

const DEFAULT_BASE_URL = "https://api.arize.com";

// Each path parameter (a user id) checked and percent-encoded.
const pathSerializer = (path: string, params: Record<string, unknown>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => userIdSegment(params[name], name));

/**
 * A client for the users resource of the Arize REST API v2.
 * @example
 * const arize = createUsersClient({ apiKey: process.env.ARIZE_API_KEY });
 * const user = await arize.users.get("VXNlcjoxMjM0NQ==");
 */
export function createUsersClient(options: ClientOptions = {}): UsersClient {
  // No Node built-ins: `process` only when it exists (browsers have none).
  const proc = (globalThis as { process?: { env: Record<string, string | undefined> } }).process;
  const env = proc?.env ?? {};
  const key = options.apiKey ?? env.ARIZE_API_KEY;
  if (!key) throw new ArizeError("Missing API key: set ARIZE_API_KEY or pass apiKey");
  // Printable ASCII only: a bad key must not reach a header parser that would quote it. Never
  // shown; a copied key often brings a space or a newline along.
  if (!/^[!-~]+$/.test(key))
    throw invalid(
      options.apiKey === undefined ? "ARIZE_API_KEY" : "apiKey",
      "it has characters an HTTP header cannot carry (a space, a newline, a non-ASCII character?); the key is not shown",
    );
  const base = options.baseUrl ?? env.ARIZE_BASE_URL ?? DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw invalid("baseUrl", `${JSON.stringify(base)} is not an absolute URL (e.g. ${DEFAULT_BASE_URL})`);
  }
  // Plain http only where the key cannot be overheard on the way, or when the caller says so.
  const plainHttpAllowed = options.allowInsecureHttp || isLoopbackHost(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && plainHttpAllowed))
    throw invalid("baseUrl", "https only (or allowInsecureHttp)");
  const client = createClient<paths>({
    baseUrl: url.href,
    fetch: retryingFetch(options.fetch ?? globalThis.fetch, `Bearer ${key}`, { ...options }),
    headers: { ...(proc && { "User-Agent": `arize-users-client/${VERSION}` }), ...options.headers },
    pathSerializer,
  });
  // One untyped entry for both users.* and raw (each types its calls itself). Past the fetch
  // wrapper, which throws ArizeErrors, only openapi-fetch's JSON.parse of a 2xx body throws: not
  // that error itself, whose message quotes the body (maybe a temporary password), but the status
  // the wrapper noted on the call's options. Before it (no status yet), only the query's encoding
  // throws: a URIError for a string holding a lone surrogate, which no URL can carry.
  const untyped = client.request as UntypedRequest;
  const request: UntypedRequest = (method, path, init) =>
    untyped(method, path, init).catch((e: Error) => {
      const status = init[CALL_OPTIONS].status;
      if (e instanceof ArizeError) throw e;
      if (status === undefined && e instanceof URIError)
        throw invalid("query", "a value holds a broken Unicode character (a lone surrogate), which no URL can carry");
      throw invalid("response", `status ${status} with a body that is not JSON (${e.name})`);
    });
  return { users: users(request, key), raw: rawClient(client, request) };
}
