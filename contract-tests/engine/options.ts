// What a run takes: one typed options object, checked before anything is sent. A bad option is
// a ConformanceOptionsError naming the option and the value (never the API key's). Flags and
// CONTRACT_* variables are parsed at the edges (the command, the vitest config) into these.
import { isLoopbackHost } from "../../src/loopback.ts";
import { selectChecks, UnknownCheck } from "./checks.ts";
import type { PrismProxy } from "./cross-check.ts";
import type { ConformanceEvent } from "./events.ts";
import type { Transport } from "./transport.ts";

export const REPORT_FORMATS = ["md", "json", "junit"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * What a run does, in the order it does it: generated valid requests of each operation, generated
 * invalid ones, credentials, the promises of the list on the account's users (read-only), with
 * writes the users' lives, and random sequences of operations against a model of the account
 * (reads only in a read-only run).
 */
export const PHASES = ["positive", "negative", "auth", "properties", "lifecycle", "stateful"] as const;
export type Phase = (typeof PHASES)[number];

export interface ConformanceOptions {
  /** The server under test, `http(s)://host[:port][/prefix]`. Required unless `transport` is given. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer …`; never shown in errors, events or reports. */
  apiKey: string;
  /** Also create, update and delete users (only users the run creates, deleted at its end). Default false. */
  writes?: boolean;
  /** fast-check seed: the same seed replays the same run. Default: random (in the report). */
  seed?: number;
  /** Generated cases per property (default 25), or `{ seconds }` for the generated part. */
  budget?: number | { seconds: number };
  /** Requests in flight at once, 1–64. Default 4. */
  concurrency?: number;
  /** Requests per second, shared by all requests in flight. Default: no limit. */
  rate?: number;
  /** Stop sending after this many requests (the clean-up's excepted). Default: no cap. */
  maxRequests?: number;
  /** No answer within this is a finding (server_answers). Default 10 000. */
  requestTimeoutMs?: number;
  /** Time to shrink each problem to a minimal case. Default 10 000; 0: no shrinking. */
  shrinkMs?: number;
  /** Check ids to run (default all) and to skip. */
  only?: readonly string[];
  skip?: readonly string[];
  /** operationIds to exercise (default all of the spec's). */
  operations?: readonly string[];
  /** Phases to run (default all). */
  phases?: readonly Phase[];
  /** Where reports go; without it the run writes no file. */
  reportDir?: string;
  /** Which reports to write: conformance.md (with coverage.md), findings.json, junit.xml. Default all. */
  formats?: readonly ReportFormat[];
  /** Aborting stops the run: the users it created are deleted, the report says `interrupted`. */
  signal?: AbortSignal;
  /** Told of everything as it happens. A listener that throws stops the run; the error is re-thrown at its end. */
  onEvent?: (event: ConformanceEvent) => void;
  /** How requests reach the server. Default: HTTP(S) over a keep-alive pool to `baseUrl`. */
  transport?: Transport;
  /**
   * Also pass valid requests through Prism's validating proxy, a cross-check (needs
   * @stoplight/prism-cli): `true` starts one for the run; a proxy from `startPrismProxy` is shared.
   */
  prismProxy?: boolean | PrismProxy;
  /** The server is itself a Prism (mock or proxy): its `sl-violations` headers are findings. */
  slViolations?: boolean;
  /**
   * Check sequences of operations against a model of the account (default true). False for a
   * server that keeps no state, such as a mock: each step's answer is still checked.
   */
  model?: boolean;
  /** Allow `http://` to a host that is not loopback: the API key would travel in cleartext. */
  allowInsecureHttp?: boolean;
}

/** An option with a value the run cannot use: names the option and the value. */
export class ConformanceOptionsError extends Error {
  override name = "ConformanceOptionsError";
  constructor(
    readonly option: string,
    readonly value: unknown,
    why: string,
  ) {
    super(`Invalid option ${option}: ${why}`);
  }
}

/** Options checked, defaults applied. */
export interface ResolvedOptions {
  baseUrl: string;
  apiKey: string;
  writes: boolean;
  seed: number;
  /** Values per property. */
  runs: number;
  /** Seconds for the generated part, when the budget is a time. */
  seconds: number | undefined;
  budgetLabel: string;
  concurrency: number;
  rate: number;
  maxRequests: number;
  requestTimeoutMs: number;
  shrinkMs: number;
  selected: Set<string>;
  operations: Set<string> | undefined;
  phases: Set<Phase>;
  reportDir: string | undefined;
  formats: Set<ReportFormat>;
  signal: AbortSignal | undefined;
  onEvent: ((event: ConformanceEvent) => void) | undefined;
  transport: Transport | undefined;
  prismProxy: boolean | PrismProxy;
  slViolations: boolean;
  model: boolean;
  allowInsecureHttp: boolean;
}

const DEFAULT_RUNS = 25;
/** A time budget still caps the values drawn per property; the deadline stops early. */
const TIME_BUDGET_RUNS = 1000;
/** Where the requests and curls of an in-process run point (nothing listens there). */
export const IN_PROCESS_BASE_URL = "http://in-process.localhost";

const shown = (value: unknown) =>
  typeof value === "number" || typeof value === "boolean" ? String(value) : (JSON.stringify(value) ?? String(value));

function integer(option: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new ConformanceOptionsError(
      option,
      value,
      `${shown(value)} (an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"})`,
    );
  return value;
}

function positive(option: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new ConformanceOptionsError(option, value, `${shown(value)} (a number above 0)`);
  return value;
}

function list<T extends string>(option: string, value: unknown, known?: readonly T[]): T[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw new ConformanceOptionsError(option, value, `${shown(value)} (a list of strings)`);
  const unknown = known ? value.filter((v) => !known.includes(v as T)) : [];
  if (unknown.length)
    throw new ConformanceOptionsError(option, value, `${shown(unknown[0])} is none of ${known!.join(", ")}`);
  return value as T[];
}

/** Whether requests to `url` would carry the API key in cleartext: plain http to a host that is not loopback. */
export const inCleartext = (url: URL): boolean => url.protocol === "http:" && !isLoopbackHost(url.hostname);

/** A base URL as requests name it: no trailing slash (the run appends the spec's paths). */
export const baseString = (url: URL): string => `${url.origin}${url.pathname.replace(/\/+$/, "")}`;

/** The base URL without a trailing slash; http(s) only, no credentials, query or fragment in it. */
export function checkBaseUrl(raw: unknown, allowInsecureHttp: boolean): string {
  if (typeof raw !== "string" || !URL.canParse(raw))
    throw new ConformanceOptionsError(
      "baseUrl",
      raw,
      `${shown(raw)} is not an absolute URL (http(s)://host[:port][/prefix])`,
    );
  const url = new URL(raw);
  const why =
    url.protocol !== "http:" && url.protocol !== "https:"
      ? "http:// or https:// only"
      : url.username || url.password
        ? "it carries credentials; the key goes in apiKey"
        : url.search || url.hash
          ? "it carries a query or fragment"
          : inCleartext(url) && !allowInsecureHttp
            ? "http:// to a host that is not loopback would send the API key in cleartext; use https://, or allowInsecureHttp"
            : undefined;
  if (why) throw new ConformanceOptionsError("baseUrl", raw, `${shown(raw)}: ${why}`);
  return baseString(url);
}

function budgetOf(budget: ConformanceOptions["budget"]): Pick<ResolvedOptions, "runs" | "seconds" | "budgetLabel"> {
  if (budget === undefined) return { runs: DEFAULT_RUNS, seconds: undefined, budgetLabel: "default" };
  if (typeof budget === "object" && budget !== null) {
    const seconds = positive("budget.seconds", budget.seconds);
    return { runs: TIME_BUDGET_RUNS, seconds, budgetLabel: `${seconds}s` };
  }
  const runs = integer("budget", budget, 1);
  return { runs, seconds: undefined, budgetLabel: String(runs) };
}

function proxyOption(value: unknown): boolean | PrismProxy {
  if (value === undefined || typeof value === "boolean") return value === true;
  if (typeof value === "object" && value !== null && "passages" in value) return value as PrismProxy;
  throw new ConformanceOptionsError("prismProxy", value, "true, false, or a proxy from startPrismProxy()");
}

export function resolveOptions(o: ConformanceOptions): ResolvedOptions {
  if (typeof o !== "object" || o === null)
    throw new ConformanceOptionsError("options", o, "an options object is required");
  if (typeof o.apiKey !== "string" || !o.apiKey.trim())
    throw new ConformanceOptionsError("apiKey", "[not shown]", "it is missing or blank");
  if (!/^[!-~]+$/.test(o.apiKey))
    throw new ConformanceOptionsError(
      "apiKey",
      "[not shown]",
      "it has characters an HTTP header cannot carry (a space, a newline, a non-ASCII character?); the key is not shown",
    );
  if (o.transport === undefined && o.baseUrl === undefined)
    throw new ConformanceOptionsError("baseUrl", undefined, "required (or a transport)");
  const allowInsecureHttp = o.allowInsecureHttp === true;
  // With a transport of the caller's, the base URL only names the server in reports and curls.
  const baseUrl = checkBaseUrl(o.baseUrl ?? IN_PROCESS_BASE_URL, allowInsecureHttp || o.transport !== undefined);
  let selected: Set<string>;
  try {
    selected = selectChecks(list("only", o.only ?? []), list("skip", o.skip ?? []));
  } catch (err) {
    if (!(err instanceof UnknownCheck)) throw err;
    throw new ConformanceOptionsError(o.only?.includes(err.id) ? "only" : "skip", err.id, err.message);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    throw new ConformanceOptionsError("signal", o.signal, "an AbortSignal");
  if (o.onEvent !== undefined && typeof o.onEvent !== "function")
    throw new ConformanceOptionsError("onEvent", o.onEvent, "a function");
  if (o.transport !== undefined && typeof o.transport?.send !== "function")
    throw new ConformanceOptionsError("transport", o.transport, "an object with send() and close()");
  if (o.reportDir !== undefined && (typeof o.reportDir !== "string" || !o.reportDir.trim()))
    throw new ConformanceOptionsError("reportDir", o.reportDir, `${shown(o.reportDir)} (a directory path)`);
  return {
    baseUrl,
    apiKey: o.apiKey,
    writes: o.writes === true,
    seed: o.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : integer("seed", o.seed, 0),
    ...budgetOf(o.budget),
    concurrency: o.concurrency === undefined ? 4 : integer("concurrency", o.concurrency, 1, 64),
    rate: o.rate === undefined ? Number.POSITIVE_INFINITY : positive("rate", o.rate),
    maxRequests: o.maxRequests === undefined ? Number.POSITIVE_INFINITY : integer("maxRequests", o.maxRequests, 1),
    requestTimeoutMs:
      o.requestTimeoutMs === undefined ? 10_000 : integer("requestTimeoutMs", o.requestTimeoutMs, 1, 2 ** 31 - 1),
    shrinkMs: o.shrinkMs === undefined ? 10_000 : integer("shrinkMs", o.shrinkMs, 0, 2 ** 31 - 1),
    selected,
    operations: o.operations === undefined ? undefined : new Set(list("operations", o.operations)),
    phases: new Set(o.phases === undefined ? PHASES : list("phases", o.phases, PHASES)),
    reportDir: o.reportDir,
    formats: new Set(o.formats === undefined ? REPORT_FORMATS : list("formats", o.formats, REPORT_FORMATS)),
    signal: o.signal,
    onEvent: o.onEvent,
    transport: o.transport,
    prismProxy: proxyOption(o.prismProxy),
    slViolations: o.slViolations === true,
    model: o.model !== false,
    allowInsecureHttp,
  };
}
