// Shared test helpers: a scripted transport (a real fetch-shaped function returning real
// Responses) and a client factory. No mocks of the client itself.
import { createUsersClient, type ClientOptions } from "../../src/index.ts";

export const KEY = "sk-unit-TOPSECRET-4f1c9a";
export const BASE = "https://api.test.example";
export const ID = "VXNlcjoxMjM0NQ==";

export const user = (over: Record<string, unknown> = {}) => ({
  id: ID,
  name: "Jane Smith",
  email: "jane@example.com",
  created_at: "2024-01-01T12:00:00Z",
  status: "active",
  role: { type: "predefined", name: "member" },
  is_developer: true,
  ...over,
});

type Step = (req: Request, signal: AbortSignal) => Response | Promise<Response>;

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Step =>
  () =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
export const problem =
  (status: number, title: string, headers: Record<string, string> = {}): Step =>
  () =>
    new Response(JSON.stringify({ title, status }), {
      status,
      headers: { "content-type": "application/problem+json", ...headers },
    });
export const raw =
  (status: number, body: string | null, headers: Record<string, string> = {}): Step =>
  () =>
    new Response(body, { status, headers });
/** A lost connection, as undici reports it. */
export const refused: Step = () => {
  throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") });
};
/** Never answers; honours the signal like a real fetch. */
export const hang: Step = (_req, signal) =>
  new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));

export interface Call {
  method: string;
  url: string;
  headers: Headers;
  body: string;
  at: number;
}

/** A fetch that plays `steps` in order (the last one repeats) and records every request. */
export function transport(...steps: Step[]) {
  const calls: Call[] = [];
  const fetch = async (req: Request, init?: RequestInit) => {
    const signal = init?.signal ?? req.signal;
    calls.push({
      method: req.method,
      url: req.url,
      headers: new Headers(req.headers),
      body: await req.text(),
      at: Date.now(),
    });
    const step = steps.length > 1 ? steps.shift()! : steps[0]!;
    return step(req, signal);
  };
  return { fetch, calls };
}

export const client = (fetch: ClientOptions["fetch"], opts: ClientOptions = {}) =>
  createUsersClient({ apiKey: KEY, baseUrl: BASE, fetch, ...opts });

/** Settles `p` while fake timers run (backoff and Retry-After waits take no real time). */
export async function settle<T>(p: Promise<T>, vi: { runAllTimersAsync(): Promise<unknown> }) {
  const out = p.then(
    (value) => ({ value, error: undefined as unknown }),
    (error: unknown) => ({ value: undefined, error }),
  );
  await vi.runAllTimersAsync();
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever fields the error class has
type AnyError = Error & Record<string, any>;

/** The rejection of `p` (fails the test when `p` resolves). */
export async function rejection(p: Promise<unknown>): Promise<AnyError> {
  try {
    await p;
  } catch (e) {
    return e as AnyError;
  }
  throw new Error("expected a rejection, got a result");
}
