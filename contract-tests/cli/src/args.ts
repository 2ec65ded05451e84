// The command line: flags and environment, checked, mapped onto the engine's settings
// (contract-tests/engine/README.md). The key comes from ARIZE_API_KEY only: shells keep history.
import { resolve } from "node:path";
import { parseArgs } from "node:util";

export const FORMATS = ["md", "json", "junit"] as const;

export interface Options {
  baseUrl: string;
  apiKey: string;
  allowWrites: boolean;
  seed?: string;
  budget?: string;
  concurrency?: string;
  reportDir: string;
  formats: string[];
  only?: string;
  skip?: string;
  /** Seconds the preflight waits for each step (connect, HTTP answer). */
  timeout: number;
}

export type Parsed = { help: true } | { version: true } | { options: Options };

/** A setup or usage problem: one line on stderr, exit 2. */
export class SetupError extends Error {}

export const HELP = `Usage: arize-users-conformance --base-url URL [options]

Checks a deployment of the Arize users API (REST v2) against its OpenAPI spec.
The API key is read from ARIZE_API_KEY (never a flag: shells keep history).

Options:
  --base-url URL        server under test, path prefix allowed (or CONTRACT_BASE_URL)
  --allow-writes        create/update/delete users (only its own @example.com users);
                        default: read-only
  --seed N              fast-check seed, to replay a run
  --budget N|Ns         generated cases per property, or seconds for the generated part
  --concurrency N       requests in flight at once (default 4)
  --report-dir DIR      where reports go (default ./reports)
  --format LIST         reports to write: md,json,junit (default all)
  --only IDS            run only these check ids (comma-separated)
  --skip IDS            skip these check ids (comma-separated)
  --timeout SECONDS     preflight wait for a connection and an answer (default 10)
  --help, --version

Exit codes: 0 nothing found, 1 findings, 2 could not run (setup or usage).
`;

const IDS = /^[A-Za-z0-9_.:-]+(,[A-Za-z0-9_.:-]+)*$/;

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
        seed: { type: "string" },
        budget: { type: "string" },
        concurrency: { type: "string" },
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
    // parseArgs' messages name the option; drop its advice about "--" (we take no positionals).
    throw new SetupError(`${(err as Error).message.split(". ")[0]}; see --help`);
  }
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

  const int = (name: string, v: string | undefined, min: number) => {
    if (v !== undefined && !(/^\d+$/.test(v) && Number(v) >= min))
      throw new SetupError(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  if (values.budget !== undefined && !/^[1-9]\d*s?$/.test(values.budget)) {
    throw new SetupError(`--budget must be a case count (200) or seconds (60s), got ${JSON.stringify(values.budget)}`);
  }
  const formats = (values.format ?? FORMATS.join(",")).split(",").map((f) => f.trim().toLowerCase());
  const unknown = formats.filter((f) => !(FORMATS as readonly string[]).includes(f));
  if (unknown.length || !formats.length)
    throw new SetupError(`--format takes ${FORMATS.join(",")} (comma-separated), got ${JSON.stringify(values.format)}`);
  for (const name of ["only", "skip"] as const) {
    const v = values[name];
    if (v !== undefined && !IDS.test(v))
      throw new SetupError(
        `--${name} takes comma-separated check ids (e.g. response_schema,status_documented), got ${JSON.stringify(v)}`,
      );
  }
  const timeout = Number(int("timeout", values.timeout, 1) ?? 10);

  return {
    options: {
      baseUrl: baseUrl.trim(),
      apiKey,
      allowWrites: values["allow-writes"] ?? false,
      seed: int("seed", values.seed, 0),
      budget: values.budget,
      concurrency: int("concurrency", values.concurrency, 1),
      reportDir: resolve(cwd, values["report-dir"] ?? "reports"),
      formats: [...new Set(formats)],
      only: values.only,
      skip: values.skip,
      timeout,
    },
  };
}

/** The engine's environment for these options (see contract-tests/engine/README.md). */
export function engineEnv(o: Options, baseUrl: string, progressFile: string): Record<string, string> {
  const env: Record<string, string> = {
    CONTRACT_BASE_URL: baseUrl,
    ARIZE_API_KEY: o.apiKey,
    CONTRACT_REPORT_DIR: o.reportDir,
    CONTRACT_FORMAT: o.formats.join(","),
    CONTRACT_PROGRESS_FILE: progressFile,
  };
  if (o.allowWrites) env.CONTRACT_ALLOW_WRITES = "1";
  if (o.seed !== undefined) env.CONTRACT_SEED = o.seed;
  if (o.budget !== undefined) env.CONTRACT_BUDGET = o.budget;
  if (o.concurrency !== undefined) env.CONTRACT_CONCURRENCY = o.concurrency;
  if (o.only !== undefined) env.CONTRACT_ONLY = o.only;
  if (o.skip !== undefined) env.CONTRACT_SKIP = o.skip;
  return env;
}
