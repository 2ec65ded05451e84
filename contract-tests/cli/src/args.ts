// The command line: flags and environment, checked, mapped onto the library's typed options
// (runConformance). The key comes from ARIZE_API_KEY only: shells keep history.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ConformanceEvent, ConformanceOptions, ReportFormat } from "../../engine/index.ts";

export const FORMATS = ["md", "json", "junit"] as const satisfies readonly ReportFormat[];

/** What the command was asked to do. */
export interface Options {
  baseUrl: string;
  apiKey: string;
  allowWrites: boolean;
  /** http:// to a host that is not loopback is allowed: the key travels in cleartext. */
  allowInsecureHttp: boolean;
  prismProxy: boolean;
  seed?: number | undefined;
  budget?: number | { seconds: number } | undefined;
  concurrency?: number | undefined;
  /** Requests per second, shared by all requests in flight. */
  rate?: number | undefined;
  maxRequests?: number | undefined;
  /** Seconds a request may wait for its answer during the run. */
  requestTimeout: number;
  reportDir: string;
  formats: ReportFormat[];
  only?: string[] | undefined;
  skip?: string[] | undefined;
  /** Seconds the preflight waits for each step (connect, HTTP answer). */
  timeout: number;
}

export type Parsed = { help: true } | { version: true } | { options: Options };

/** A setup or usage problem: one line on stderr, exit 2. */
export class SetupError extends Error {}

/** The setting through the environment the contract suite reads too. */
export const INSECURE_HTTP_ENV = "CONTRACT_ALLOW_INSECURE_HTTP";

export const HELP = `Usage: arize-users-conformance --base-url URL [options]

Checks a deployment of the Arize users API (REST v2) against its OpenAPI spec.
The API key is read from ARIZE_API_KEY (never a flag: shells keep history).

Options:
  --base-url URL          server under test, path prefix allowed (or CONTRACT_BASE_URL)
  --allow-writes          create/update/delete users (only its own @example.com users);
                          default: read-only
  --seed N                fast-check seed, to replay a run
  --budget N|Ns           generated cases per property, or seconds for the generated part
  --concurrency N         requests in flight at once (default 4)
  --rate N                at most N requests per second, all together (default: no limit)
  --max-requests N        send at most N requests, then stop (the clean-up's excepted)
  --request-timeout SECONDS
                          how long a request of the run waits for its answer (default 10)
  --report-dir DIR        where reports go (default ./reports)
  --format LIST           reports to write: md,json,junit (default all)
  --only IDS              run only these check ids (comma-separated)
  --skip IDS              skip these check ids (comma-separated)
  --prism-proxy           also pass valid requests through Prism's validating proxy, a
                          cross-check (needs @stoplight/prism-cli installed beside it)
  --allow-insecure-http   allow http:// to a host that is not this machine: the API key
                          travels in cleartext (or ${INSECURE_HTTP_ENV}=1)
  --timeout SECONDS       preflight wait for a connection and an answer (default 10)
  --help, --version

Exit codes: 0 nothing found, 1 findings, 2 could not run (setup or usage),
130 interrupted (Ctrl-C: the run deletes the users it created and writes a partial report).
`;

const IDS = /^[A-Za-z0-9_.:-]+(,[A-Za-z0-9_.:-]+)*$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

/** The flags as parseArgs reads them; its errors become SetupErrors that point to --help. */
function readFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        "base-url": { type: "string" },
        "allow-writes": { type: "boolean" },
        "allow-insecure-http": { type: "boolean" },
        "prism-proxy": { type: "boolean" },
        seed: { type: "string" },
        budget: { type: "string" },
        concurrency: { type: "string" },
        rate: { type: "string" },
        "max-requests": { type: "string" },
        "request-timeout": { type: "string" },
        "report-dir": { type: "string" },
        format: { type: "string" },
        only: { type: "string" },
        skip: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
        "api-key": { type: "string" }, // only to refuse it with a reason
      },
    }).values;
  } catch (err) {
    // parseArgs' messages name the option; their first sentence is enough (one line; no advice
    // about "--": we take no positionals).
    const first = (err as Error).message.split("\n")[0]!.split(". ")[0]!.replace(/\.$/, "");
    throw new SetupError(`${first}; see --help`);
  }
}

/** A whole number >= min (and a safe integer), or undefined when the flag is absent. */
function wholeNumber(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!(/^\d+$/.test(v) && Number(v) >= min && Number.isSafeInteger(Number(v))))
    throw new SetupError(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** A number above 0 (decimals allowed), or undefined when the flag is absent. */
function aboveZero(name: string, v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!(DECIMAL.test(v) && Number(v) > 0))
    throw new SetupError(`--${name} must be a number above 0 (${what}), got ${JSON.stringify(v)}`);
  return Number(v);
}

function budgetOf(v: string | undefined): Options["budget"] {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*s?$/.test(v))
    throw new SetupError(`--budget must be a case count (200) or seconds (60s), got ${JSON.stringify(v)}`);
  return v.endsWith("s") ? { seconds: Number(v.slice(0, -1)) } : Number(v);
}

function formatsOf(v: string | undefined): ReportFormat[] {
  const formats = (v ?? FORMATS.join(",")).split(",").map((f) => f.trim().toLowerCase());
  if (!formats.every((f): f is ReportFormat => (FORMATS as readonly string[]).includes(f)))
    throw new SetupError(`--format takes ${FORMATS.join(",")} (comma-separated), got ${JSON.stringify(v)}`);
  return [...new Set(formats)];
}

function idsOf(name: "only" | "skip", v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  if (!IDS.test(v))
    throw new SetupError(
      `--${name} takes comma-separated check ids (e.g. response_schema,status_documented), got ${JSON.stringify(v)}`,
    );
  return v.split(",");
}

/** --allow-insecure-http, or CONTRACT_ALLOW_INSECURE_HTTP=1 (the contract suite's setting). */
function insecureHttpAllowed(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  const v = env[INSECURE_HTTP_ENV]?.trim(); // as the contract suite reads it
  if (v !== undefined && v !== "" && v !== "0" && v !== "1")
    throw new SetupError(`${INSECURE_HTTP_ENV} must be 1 (or 0, or unset), got ${JSON.stringify(v)}`);
  return flag === true || v === "1";
}

export function parse(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): Parsed {
  const values = readFlags(argv);
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  if (values["api-key"] !== undefined)
    throw new SetupError("the API key is not taken as a flag (shells keep history); export ARIZE_API_KEY instead");

  const baseUrl = values["base-url"] ?? env.CONTRACT_BASE_URL ?? "";
  if (!baseUrl.trim()) throw new SetupError("no server to check: pass --base-url URL (or set CONTRACT_BASE_URL)");
  const apiKey = env.ARIZE_API_KEY ?? "";
  if (!apiKey.trim()) throw new SetupError("ARIZE_API_KEY is not set; export the API key of the server under test");

  return {
    options: {
      baseUrl: baseUrl.trim(),
      apiKey,
      allowWrites: values["allow-writes"] ?? false,
      allowInsecureHttp: insecureHttpAllowed(values["allow-insecure-http"], env),
      prismProxy: values["prism-proxy"] ?? false,
      seed: wholeNumber("seed", values.seed, 0),
      budget: budgetOf(values.budget),
      concurrency: wholeNumber("concurrency", values.concurrency, 1),
      rate: aboveZero("rate", values.rate, "requests per second"),
      maxRequests: wholeNumber("max-requests", values["max-requests"], 1),
      requestTimeout: aboveZero("request-timeout", values["request-timeout"], "seconds") ?? 10,
      reportDir: resolve(cwd, values["report-dir"] ?? "reports"),
      formats: formatsOf(values.format),
      only: idsOf("only", values.only),
      skip: idsOf("skip", values.skip),
      timeout: wholeNumber("timeout", values.timeout, 1) ?? 10,
    },
  };
}

/** What the run itself is given besides the flags: the checked base URL, Ctrl-C, and the listener. */
export interface RunHooks {
  baseUrl: string;
  signal: AbortSignal;
  onEvent: (event: ConformanceEvent) => void;
}

/** The library's options for these flags; an absent flag is left out (the library's default holds). */
export function conformanceOptions(o: Options, hooks: RunHooks): ConformanceOptions {
  const given = <K extends keyof ConformanceOptions>(key: K, value: ConformanceOptions[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  return {
    baseUrl: hooks.baseUrl,
    apiKey: o.apiKey,
    writes: o.allowWrites,
    allowInsecureHttp: o.allowInsecureHttp,
    prismProxy: o.prismProxy,
    ...given("seed", o.seed),
    ...given("budget", o.budget),
    ...given("concurrency", o.concurrency),
    ...given("rate", o.rate),
    ...given("maxRequests", o.maxRequests),
    requestTimeoutMs: Math.max(1, Math.round(o.requestTimeout * 1000)),
    reportDir: o.reportDir,
    formats: o.formats,
    ...given("only", o.only),
    ...given("skip", o.skip),
    signal: hooks.signal,
    onEvent: hooks.onEvent,
  };
}
