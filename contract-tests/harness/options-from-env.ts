// The contract suite's edge: CONTRACT_* variables (and ARIZE_API_KEY) parsed into the engine's
// typed options. A bad value stops the run with a message naming the variable and the value; the
// engine then checks the options themselves (engine/options.ts).
import type { ConformanceOptions, ConformanceOptionsError, ReportFormat } from "../engine/options.ts";

export class EnvError extends Error {
  override name = "EnvError";
}

type Env = Record<string, string | undefined>;

const text = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

function number(env: Env, name: string, what: string, valid: (n: number) => boolean): number | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !valid(n))
    throw new EnvError(`${name} must be ${what}, got ${JSON.stringify(raw)}`);
  return n;
}

const integer = (env: Env, name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  number(
    env,
    name,
    `an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}`,
    (n) => Number.isInteger(n) && n >= min && n <= max,
  );

const flag = (env: Env, name: string): boolean => env[name]?.trim() === "1";
const ids = (env: Env, name: string): string[] | undefined =>
  text(env, name)
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function budget(env: Env): ConformanceOptions["budget"] {
  const raw = text(env, "CONTRACT_BUDGET");
  if (raw === undefined) return undefined;
  const m = /^([1-9]\d*)(s?)$/.exec(raw);
  if (!m)
    throw new EnvError(
      `CONTRACT_BUDGET must be a number of cases per property (e.g. 200) or seconds (e.g. 60s), got ${JSON.stringify(raw)}`,
    );
  return m[2] ? { seconds: Number(m[1]) } : Number(m[1]);
}

/** Options from the environment (only those set), for the engine or the mock suite. */
export function optionsFromEnv(env: Env): Omit<ConformanceOptions, "apiKey"> & { apiKey?: string } {
  const seconds = (name: string) => {
    const s = number(env, name, "a number of seconds", (n) => n >= 0);
    return s === undefined ? undefined : Math.round(s * 1000);
  };
  const options: Omit<ConformanceOptions, "apiKey"> & { apiKey?: string } = {
    baseUrl: text(env, "CONTRACT_BASE_URL"),
    apiKey: env.ARIZE_API_KEY,
    writes: flag(env, "CONTRACT_ALLOW_WRITES"),
    seed: integer(env, "CONTRACT_SEED", 0),
    budget: budget(env),
    concurrency: integer(env, "CONTRACT_CONCURRENCY", 1, 64),
    rate: number(env, "CONTRACT_RATE", "a number of requests per second above 0", (n) => n > 0),
    maxRequests: integer(env, "CONTRACT_MAX_REQUESTS", 1),
    requestTimeoutMs: seconds("CONTRACT_REQUEST_TIMEOUT"),
    shrinkMs: seconds("CONTRACT_SHRINK_SECONDS"),
    only: ids(env, "CONTRACT_ONLY"),
    skip: ids(env, "CONTRACT_SKIP"),
    reportDir: text(env, "CONTRACT_REPORT_DIR"),
    formats: ids(env, "CONTRACT_FORMAT") as ReportFormat[] | undefined,
    prismProxy: flag(env, "CONTRACT_PRISM_PROXY"),
    allowInsecureHttp: flag(env, "CONTRACT_ALLOW_INSECURE_HTTP"),
  };
  // Unset stays unset: the engine's defaults apply (exactOptionalPropertyTypes).
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as typeof options;
}

/** Each option, as the variable that sets it. */
const VARIABLES: Record<string, string> = {
  baseUrl: "CONTRACT_BASE_URL",
  apiKey: "ARIZE_API_KEY",
  seed: "CONTRACT_SEED",
  budget: "CONTRACT_BUDGET",
  concurrency: "CONTRACT_CONCURRENCY",
  rate: "CONTRACT_RATE",
  maxRequests: "CONTRACT_MAX_REQUESTS",
  requestTimeoutMs: "CONTRACT_REQUEST_TIMEOUT",
  shrinkMs: "CONTRACT_SHRINK_SECONDS",
  only: "CONTRACT_ONLY",
  skip: "CONTRACT_SKIP",
  reportDir: "CONTRACT_REPORT_DIR",
  formats: "CONTRACT_FORMAT",
  allowInsecureHttp: "CONTRACT_ALLOW_INSECURE_HTTP=1",
};

/** The engine's refusal of an option, said in terms of the variable that set it. */
export const envError = (err: ConformanceOptionsError): EnvError =>
  new EnvError(
    err.message
      .replace(/^Invalid option (\w+)/, (_, option: string) => `Invalid ${VARIABLES[option] ?? option}`)
      .replace(/\ballowInsecureHttp\b/, VARIABLES.allowInsecureHttp!),
  );
