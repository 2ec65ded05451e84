// Findings as data: one Finding per problem a check saw (redacted on the way in), grouped into
// distinct problems (`check | operation | where`, array indexes collapsed), kept in
// findings.json, and rendered from it: a short Markdown report that says what to do, and JUnit
// XML for CI. The API key shows as $ARIZE_API_KEY everywhere; temporary passwords never show.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Check, Severity } from "./checks.ts";
import type { ClauseObservation } from "./clauses.ts";
import type { ScenarioInfo, ScenarioOutcome } from "./events.ts";
import { hideTemporaryPasswords } from "./redact.ts";
import { problemKey, type Failure, type WireRequest } from "./runner.ts";
import type { CrossCheckStats } from "./session.ts";

export interface Finding {
  check: string; // check id, e.g. "response_schema"
  severity: Severity;
  operation: string; // operationId, or "(run)"
  title: string; // the check's title
  message: string; // what exactly is wrong
  where?: string; // instance location, array indexes collapsed: "body.users[].role.name"
  request?: { method: string; url: string; headers: Record<string, string>; body?: string }; // key → $ARIZE_API_KEY
  response?: { status: number; headers: Record<string, string>; body: string }; // excerpt, secrets redacted
  seed?: number; // replay: CONTRACT_SEED=<seed>
  replayPath?: string; // fast-check counterexample path
  shrunk?: boolean; // the request is the minimal case fast-check found
  curl?: string; // reproduces it against the server itself
  atMs: number; // ms since the run started (time to first finding)
  /** How many sampled cases showed this problem (the runner groups before it reports); 1 when absent. */
  count?: number;
  /** The scenario that saw it (absent for the run's own: the clean-up). */
  scenario?: string;
  /** The clause of the promise it breaks: `<check id>.<clause>`, e.g. "limit_respected.default_limit". */
  clause?: string;
  /** From a sequence of operations: every step that led to it (shrunk by fast-check), the last one showing it. */
  steps?: FindingStep[];
}

/** One step of a failing sequence: what it was, its request (key → $ARIZE_API_KEY), the status, and a curl. */
export interface FindingStep {
  label: string; // "create(email_link, member)"
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  status?: number;
  curl: string;
}

export interface Secrets {
  /** Shown as $ARIZE_API_KEY. */
  apiKey?: string;
  /** Shown as [REDACTED] (temporary passwords seen in answers). */
  secrets?: Iterable<string>;
}

export const EXCERPT_CHARS = 600;

/** Secrets out of a text: listed secrets and JSON temporary_password values → [REDACTED], the key → $ARIZE_API_KEY. */
export function redactText(text: string, s: Secrets = {}): string {
  const key = s.apiKey ?? "";
  const secrets = s.secrets ? secretsPattern(s.secrets) : undefined;
  let out = hideTemporaryPasswords(text);
  if (secrets) out = out.replace(secrets, "[REDACTED]");
  return key ? out.split(key).join("$ARIZE_API_KEY") : out;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A run's secrets grow as it goes: one pattern per set and size, not a pass over the text per secret. */
const patterns = new WeakMap<object, { size: number; pattern: RegExp | undefined }>();
function secretsPattern(secrets: Iterable<string>): RegExp | undefined {
  const size = secrets instanceof Set ? secrets.size : -1;
  const cached = size >= 0 ? patterns.get(secrets) : undefined;
  if (cached?.size === size) return cached.pattern;
  // Longest first: a secret that holds another is replaced whole.
  const list = [...new Set(secrets)].filter(Boolean).sort((a, b) => b.length - a.length);
  const pattern = list.length ? new RegExp(list.map(escapeRegExp).join("|"), "g") : undefined;
  if (size >= 0) patterns.set(secrets, { size, pattern });
  return pattern;
}

/** At most `max` characters (a cut is marked with …), never splitting a surrogate pair. */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? "")) end--;
  return `${text.slice(0, end)}…`;
}

/** `fn` over every string value (not the field names: a short key must not rename them). */
const mapStrings = <T>(value: T, fn: (s: string) => string): T =>
  (typeof value === "string"
    ? fn(value)
    : Array.isArray(value)
      ? value.map((v) => mapStrings(v, fn))
      : value && typeof value === "object"
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]))
        : value) as T;

/** Every string of a finding redacted; the response body cut to an excerpt (after redaction: no secret half-shown). */
export function redactFinding(f: Finding, s: Secrets = {}): Finding {
  const out = mapStrings(f, (text) => redactText(text, s));
  if (out.response) out.response = { ...out.response, body: excerpt(out.response.body) };
  return out;
}

const singleQuoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** One shell word, single-quoted (nothing expands) except the key: "$ARIZE_API_KEY", which the shell expands. */
const shellWord = (s: string, key: string) =>
  key && s.includes(key)
    ? s
        .split(key)
        .map((part) => (part ? singleQuoted(part) : ""))
        .join('"$ARIZE_API_KEY"')
    : singleQuoted(s);

/**
 * A curl command that sends the request again, byte for byte: the URL as fetch sent it (WHATWG
 * normalised: non-ASCII percent-encoded), no globbing (-g: `[]{}` stay literal), the body with
 * --data-raw (no `@file` magic), the key from the environment.
 */
export function curlFor(req: WireRequest, apiKey = ""): string {
  if (!URL.canParse(req.url))
    throw new Error(`curlFor: not an absolute URL: ${JSON.stringify(redactText(req.url, { apiKey }))}`);
  const url = new URL(req.url).href;
  const parts = ["curl", "-sS", "-i", "-g", "-X", shellWord(req.method.toUpperCase(), apiKey), shellWord(url, apiKey)];
  // curl drops a header given as `Name:`; `Name;` sends it empty.
  for (const [name, value] of Object.entries(req.headers))
    parts.push("-H", shellWord(value === "" ? `${name};` : `${name}: ${value}`, apiKey));
  if (req.body !== undefined) {
    // fetch labels a bare string body text/plain; curl would say form-urlencoded.
    if (!Object.keys(req.headers).some((h) => h.toLowerCase() === "content-type"))
      parts.push("-H", singleQuoted("Content-Type: text/plain;charset=UTF-8"));
    parts.push("--data-raw", shellWord(req.body, apiKey));
  }
  return parts.join(" ");
}

/** A request as a finding keeps it (its own copy: redaction must not touch the run's). */
const copyOf = (r: WireRequest): NonNullable<Finding["request"]> => ({
  method: r.method,
  url: r.url,
  headers: { ...r.headers },
  ...(r.body !== undefined && { body: r.body }),
});

/**
 * A runner failure as a finding of its check: request, response excerpt, curl, replay; redacted.
 * (`started` is accepted for callers that hold it; the time comes from the failure's own atMs.)
 */
export function toFinding(
  f: Failure & Pick<ClauseObservation, "clause" | "steps">,
  check: Pick<Check, "title" | "severity">,
  s: Secrets & { started?: number } = {},
): Finding {
  const x = f.exchange;
  const request = x?.request ?? f.request;
  const apiKey = s.apiKey ?? "";
  const finding: Finding = {
    check: f.check,
    severity: check.severity,
    operation: f.operation,
    title: check.title,
    message: f.message,
    ...(f.where !== undefined && { where: f.where }),
    ...(request && { request: copyOf(request), curl: curlFor(request, apiKey) }),
    ...(f.clause !== undefined && { clause: f.clause }),
    ...(f.steps?.length && {
      steps: f.steps.map((step) => ({
        label: step.label,
        request: copyOf(step.request),
        ...(step.status !== undefined && { status: step.status }),
        curl: curlFor(step.request, apiKey),
      })),
    }),
    ...(x && { response: { status: x.status, headers: { ...x.headers }, body: x.body } }),
    seed: f.seed,
    ...(f.replayPath && { replayPath: f.replayPath }),
    shrunk: f.shrunk,
    atMs: f.atMs,
    count: f.count,
  };
  return redactFinding(finding, s);
}

/** One distinct problem: `check | operation | where`. */
export interface FindingGroup {
  key: string;
  check: string;
  operation: string;
  where: string;
  title: string;
  /** Cases that showed it (the sum of the findings' counts). */
  count: number;
  first: Finding;
}

/** Findings grouped into problems: errors first, then the most frequent, then by key. */
export function groupFindings(findings: Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const key = problemKey(f);
    const g = groups.get(key);
    if (g) {
      g.count += f.count ?? 1;
      if (f.atMs < g.first.atMs) g.first = f;
    } else
      groups.set(key, {
        key,
        check: f.check,
        operation: f.operation,
        where: f.where ?? "",
        title: f.title,
        count: f.count ?? 1,
        first: f,
      });
  }
  const rank = (g: FindingGroup) => (g.first.severity === "error" ? 0 : 1);
  return [...groups.values()].sort((a, b) => rank(a) - rank(b) || b.count - a.count || a.key.localeCompare(b.key));
}

export interface CheckRow {
  id: string;
  title: string;
  severity: Severity;
  operations: string[];
  source: string;
  ran: boolean;
}

/** A scenario as it ran: what it is, and what it cost. */
export interface ScenarioRecord extends ScenarioInfo, ScenarioOutcome {}

/** findings.json (version 2: `scenarios`, `clauses`, `stopped` and `crossCheck` added to version 1; findings' `scenario`, `clause`, `steps`). */
export interface FindingsRun {
  version: 2;
  target: string; // "mock" | "live"
  server: string;
  runId: string;
  seed: number;
  budget: string | number;
  writes: boolean;
  startedAt: string;
  seconds: number;
  requests: number;
  cases: number;
  checks: CheckRow[];
  skipped: string[];
  findings: Finding[];
  groups: FindingGroup[];
  constraints: unknown[];
  /** What the run did, scenario by scenario, and the requests each sent. */
  scenarios: ScenarioRecord[];
  /** Each clause of the spec's promises, and how many times the run asserted it (0: never). */
  clauses?: Record<string, number>;
  /** Stopped before its end (aborted): the verdict cannot be PASS. */
  interrupted?: boolean;
  /** Why the run sent no more requests before its end (the request cap), when it did not run whole. */
  stopped?: string;
  /** With Prism's validating proxy as a cross-check: answers it flagged that no check of the engine did. */
  crossCheck?: CrossCheckStats;
}

export const FINDINGS_FILE = "findings.json";

/** The report of a run: every finding redacted once more, the groups computed. */
export function buildReport(run: Omit<FindingsRun, "version" | "groups">, s: Secrets = {}): FindingsRun {
  const findings = run.findings.map((f) => redactFinding(f, s));
  return { ...run, version: 2, findings, groups: groupFindings(findings) };
}

/** Writes findings.json into `dir`. */
export function writeFindingsJson(dir: string, report: FindingsRun): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, FINDINGS_FILE), `${JSON.stringify(report, null, 2)}\n`);
}

export function readFindingsJson(dir: string): FindingsRun {
  const file = join(dir, FINDINGS_FILE);
  if (!existsSync(file))
    throw new Error(`no ${FINDINGS_FILE} in ${dir}: the run wrote no findings file (did it start?)`);
  let run: Partial<FindingsRun>;
  try {
    run = JSON.parse(readFileSync(file, "utf8")) as Partial<FindingsRun>;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (run?.version !== 2 || !Array.isArray(run.findings))
    throw new Error(`${file} is not a version 2 findings file (version ${JSON.stringify(run?.version)})`);
  return { ...(run as FindingsRun), groups: Array.isArray(run.groups) ? run.groups : groupFindings(run.findings) };
}

/** The verdict: INTERRUPTED when cut short, FAIL on any error, else PASS. */
export function verdictOf(run: Pick<FindingsRun, "interrupted" | "findings">): "PASS" | "FAIL" | "INTERRUPTED" {
  return run.interrupted ? "INTERRUPTED" : run.findings.some((f) => f.severity === "error") ? "FAIL" : "PASS";
}

/** Redacted again at render time, whatever the caller did. */
const safeGroups = (run: FindingsRun, s: Secrets) => groupFindings(run.findings.map((f) => redactFinding(f, s)));

const fence = (lang: string, text: string) => {
  const ticks = "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return [`${ticks}${lang}`, text, ticks];
};
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The command that replays a run (same seed, same server, same writes). */
export function replayCommand(run: Pick<FindingsRun, "seed" | "server" | "writes">): string {
  return `arize-users-conformance --base-url ${run.server} --seed ${run.seed}${run.writes ? " --allow-writes" : ""}`;
}

/** The same replay from a clone of this repo, through the contract suite. */
export function replayFromClone(run: Pick<FindingsRun, "seed" | "server" | "writes">): string {
  return `CONTRACT_SEED=${run.seed} CONTRACT_BASE_URL=${run.server}${run.writes ? " CONTRACT_ALLOW_WRITES=1" : ""} npm run contract`;
}

/** What each scenario did and cost, and why one did not run. */
function scenarioTable(run: FindingsRun): string[] {
  if (!run.scenarios.length) return [];
  return [
    "## Scenarios",
    "",
    "| scenario | requests | cases | findings | seconds |",
    "| --- | --: | --: | --: | --: |",
    ...run.scenarios.map((x) =>
      x.skipped
        ? `| ${cell(x.name)} | – | – | – | skipped: ${cell(x.skipped)} |`
        : `| ${cell(x.name)} | ${x.requests} | ${x.cases} | ${x.findings} | ${x.seconds.toFixed(1)} |`,
    ),
    "",
  ];
}

/** What the Prism cross-check added, when it ran. */
function crossCheckLines(run: FindingsRun): string[] {
  const c = run.crossCheck;
  if (!c) return [];
  return [
    "## Cross-check with Prism's validating proxy",
    "",
    `${c.answers} answers seen through Prism; it flagged ${c.flaggedByPrism}, of which ${c.flaggedOnlyByPrism} no check of the engine flagged.`,
    ...c.examples.map((e) => `- ${e}`),
    "",
  ];
}

/**
 * A failing sequence as a numbered list: each step's label, the status it got, and a curl that
 * sends it again (in order: later steps use the ids earlier ones made).
 */
function renderSteps(f: Finding): string[] {
  const steps = f.steps ?? [];
  const replay = [f.seed !== undefined ? `seed ${f.seed}` : "", f.replayPath ? `case path ${f.replayPath}` : ""].filter(
    Boolean,
  );
  return [
    `The sequence that shows it (${steps.length} step${steps.length === 1 ? "" : "s"}${f.shrunk ? ", shrunk by fast-check" : ""}${replay.length ? `; ${replay.join(", ")}` : ""}):`,
    "",
    ...steps.flatMap((step, i) => [
      `${i + 1}. \`${step.label}\` → ${step.status ?? "no answer"}`,
      "",
      ...fence("sh", step.curl).map((line) => `   ${line}`),
      "",
    ]),
  ];
}

/** conformance.md: verdict, one table row per problem, then each problem once with what reproduces it. */
export function renderMarkdown(run: FindingsRun, coverage: string[] = [], secrets: Secrets = {}): string {
  const groups = safeGroups(run, secrets);
  const verdict = verdictOf(run);
  const cases = groups.reduce((n, g) => n + g.count, 0);
  const summary =
    verdict === "INTERRUPTED"
      ? `incomplete run, ${groups.length} problem(s) so far`
      : groups.length === 0
        ? "no problem found"
        : `${groups.length} distinct problem(s), seen in ${cases} case(s)`;
  const out = [
    "# Conformance report",
    "",
    `**${verdict}**: ${summary}.`,
    "",
    `- server: ${run.server} (${run.target}); run id ${run.runId}; started ${run.startedAt}, ${run.seconds.toFixed(1)} s`,
    `- ${run.requests} requests, ${run.cases} generated cases (budget ${run.budget}); writes ${run.writes ? "allowed" : "not allowed (read-only)"}`,
    `- seed ${run.seed}; replay: \`${replayCommand(run)}\` (from a clone: \`${replayFromClone(run)}\`)`,
    ...(run.stopped ? [`- stopped early: ${run.stopped}; the scenarios after it did not run`] : []),
    "",
  ];
  if (groups.length) {
    out.push("## Problems", "", "| # | check | operation | where | cases |", "| --- | --- | --- | --- | --- |");
    for (const [i, g] of groups.entries())
      out.push(`| ${i + 1} | ${g.check} | ${g.operation} | ${cell(g.where || "—")} | ${g.count} |`);
    out.push("");
  }
  groups.forEach((g, i) => {
    const f = g.first;
    out.push(
      `## ${i + 1}. ${g.operation}${g.where ? ` ${g.where}` : ""}: ${g.title}`,
      "",
      `\`${g.check}\`${f.clause ? ` (clause \`${f.clause}\`)` : ""}, ${f.severity}, ${g.count} case(s). First example:`,
      "",
      f.message,
      "",
    );
    if (f.steps?.length) out.push(...renderSteps(f), "");
    if (f.request)
      out.push(
        ...fence(
          "http",
          [
            `${f.request.method} ${f.request.url}`,
            ...(f.request.body !== undefined ? ["", excerpt(f.request.body)] : []),
          ].join("\n"),
        ),
        "",
      );
    if (f.response)
      out.push(
        ...fence(
          "",
          [`${f.response.status} ${f.response.headers["content-type"] ?? "(no content-type)"}`, f.response.body]
            .filter(Boolean)
            .join("\n"),
        ),
        "",
      );
    if (f.seed !== undefined)
      out.push(
        `Replay: \`${replayCommand({ ...run, seed: f.seed })}\`${f.replayPath ? ` (case path ${f.replayPath}${f.shrunk ? ", shrunk" : ""})` : ""}`,
        "",
      );
    if (f.curl && !f.steps?.length) out.push(...fence("sh", f.curl), ""); // with steps, the last step's curl is it
  });
  const notRun = run.checks.filter((c) => !c.ran).map((c) => `- ${c.id}: ${c.title}`);
  if (run.skipped.length || notRun.length)
    out.push("## Skipped", "", ...run.skipped.map((s) => `- ${s}`), ...notRun, "");
  out.push(...scenarioTable(run), ...crossCheckLines(run));
  if (coverage.length) out.push("## Coverage", "", ...coverage.flatMap((table) => [table.trimEnd(), ""]));
  return redactText(out.join("\n"), secrets);
}

// XML 1.0 admits neither most control characters nor lone surrogates.
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters XML forbids are what this matches
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const xml = (s: string) =>
  s
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!)
    .replace(NOT_XML, "\uFFFD");

interface TestCase {
  check: string;
  operation: string;
  title: string;
  failures: FindingGroup[];
}

/** junit.xml: a testsuite per operation, a testcase per (check, operation) that ran, a failure per problem. */
export function renderJunit(run: FindingsRun, secrets: Secrets = {}): string {
  const groups = safeGroups(run, secrets);
  const cases = new Map<string, TestCase>();
  const add = (check: string, operation: string, title: string) => {
    const key = `${operation}\n${check}`;
    return cases.get(key) ?? cases.set(key, { check, operation, title, failures: [] }).get(key)!;
  };
  for (const c of run.checks) if (c.ran) for (const op of c.operations) add(c.id, op, c.title);
  for (const g of groups) add(g.check, g.operation, g.title).failures.push(g);

  const suites = new Map<string, TestCase[]>();
  for (const c of cases.values()) suites.set(c.operation, [...(suites.get(c.operation) ?? []), c]);
  const failing = (list: TestCase[]) => list.filter((c) => c.failures.length).length;
  const all = [...cases.values()];
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="contract" tests="${all.length}" failures="${failing(all)}" errors="0" time="${run.seconds.toFixed(3)}">`,
  ];
  for (const [operation, list] of [...suites].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(
      `  <testsuite name="${xml(operation)}" tests="${list.length}" failures="${failing(list)}" errors="0" skipped="0">`,
    );
    for (const c of list.sort((a, b) => a.check.localeCompare(b.check))) {
      const open = `    <testcase classname="${xml(operation)}" name="${xml(`${c.check}: ${c.title}`)}" time="0"`;
      if (!c.failures.length) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      for (const g of c.failures) {
        const f = g.first;
        const text = [
          f.message,
          f.curl ?? "",
          f.seed !== undefined ? `replay: ${replayCommand({ ...run, seed: f.seed })}` : "",
        ]
          .filter(Boolean)
          .join("\n\n");
        out.push(
          `      <failure type="${xml(g.check)}" message="${xml(`${g.title}: ${g.count} case(s)${g.where ? ` at ${g.where}` : ""}`)}">${xml(text)}</failure>`,
        );
      }
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>", "");
  return out.join("\n");
}
