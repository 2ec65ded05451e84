// runConformance: one run of the engine against a server, in-process. It checks the options,
// reaches the server once (a server that cannot be reached stops the run at once), runs the
// scenarios one after another, deletes the users it created (also when aborted), and resolves to
// the report, the object findings.json holds. It reads no environment variable and prints
// nothing: progress goes out as events, files only to `reportDir`.
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createChannel, RunStopped, type Channel } from "./channel.ts";
import { CHECKS, check, operationsOf, sourceOf } from "./checks.ts";
import { ClauseTally, renderClauseTable, specClauses } from "./clauses.ts";
import { deleteCreatedUsers } from "./cleanup.ts";
import { coverageReport, type GeneratedHit, type Hit } from "./coverage.ts";
import { crossCheckThrough, startPrismProxy, type CrossCheck, type PrismProxy } from "./cross-check.ts";
import type { ConformanceEvent, ScenarioInfo, ScenarioOutcome } from "./events.ts";
import {
  buildReport,
  renderJunit,
  renderMarkdown,
  toFinding,
  writeFindingsJson,
  type Finding,
  type FindingsRun,
  type ScenarioRecord,
} from "./findings.ts";
import { ConformanceOptionsError, resolveOptions, type ConformanceOptions, type ResolvedOptions } from "./options.ts";
import { checkResponse } from "./response-checks.ts";
import { fixedFailures, Unanswered, type Exchange, type Settings } from "./runner.ts";
import { scenariosOf, type RunContext, type Scenario, type ScenarioResult } from "./scenarios.ts";
import { createSession, type Session } from "./session.ts";
import { isRead, loadApi, routesOf, type Api, type Routes } from "./spec.ts";
import { httpTransport, NoAnswer, type Transport } from "./transport.ts";

/** The run could not start or go on: the server cannot be reached, Prism would not start. */
export class ConformanceError extends Error {
  override name = "ConformanceError";
}

/** Everything one run holds while it runs. */
interface Run {
  o: ResolvedOptions;
  api: Api;
  runId: string;
  started: number;
  abort: AbortController;
  channel: Channel;
  transport: Transport;
  /** The transport is the run's own (not the caller's): closed at its end. */
  ownTransport: boolean;
  /** A writing request went out: the clean-up has something to look for. */
  wrote: boolean;
  crossCheck: (CrossCheck & { close(): Promise<void> }) | undefined;
  /** The Prism proxy this run started (not one it was given): stopped at its end. */
  ownProxy: PrismProxy | undefined;
  session: Session;
  /** The scenario whose requests go out now ("(run)": set-up and clean-up). */
  current: string;
  created: Set<string>;
  /** Temporary passwords seen in answers: redacted wherever they would show. */
  secrets: Set<string>;
  hits: Hit[];
  generated: GeneratedHit[];
  findings: Finding[];
  records: ScenarioRecord[];
  /** How often the run asserted each clause of the spec's promises. */
  tally: ClauseTally;
  /** The list, create and delete routes, from the spec. */
  routes: Routes;
  emit(event: ConformanceEvent): void;
  /** What a listener threw: re-thrown once the run has cleaned up. */
  listenerError: unknown;
  /** Stops listening to the caller's signal. */
  detach(): void;
}

const RUN = "(run)";

export async function runConformance(options: ConformanceOptions): Promise<FindingsRun> {
  const o = resolveOptions(options);
  const api = await loadApi();
  for (const id of o.operations ?? [])
    if (!api.operations.some((op) => op.operationId === id))
      throw new ConformanceOptionsError(
        "operations",
        id,
        `"${id}" is no operationId of the spec (known: ${api.operations.map((op) => op.operationId).join(", ")})`,
      );
  const run = await openRun(o, api);
  try {
    const scenarios = plan(run);
    run.emit({
      type: "run-started",
      runId: run.runId,
      seed: o.seed,
      baseUrl: o.baseUrl,
      writes: o.writes,
      scenarios: scenarios.map(info),
    });
    await probe(run);
    const sandbox = await createSandbox(run, scenarios);
    const ctx = contextOf(run, sandbox);
    for (const [index, scenario] of scenarios.entries()) await runScenario(run, ctx, scenario, index, scenarios.length);
  } finally {
    await closeRun(run);
  }
  const report = finishReport(run);
  run.emit({ type: "run-finished", report });
  if (run.listenerError) throw run.listenerError;
  return report;
}

async function openRun(o: ResolvedOptions, api: Api): Promise<Run> {
  const abort = new AbortController();
  const onAbort = () => abort.abort(o.signal?.reason);
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });
  const transport = o.transport ?? httpTransport({ maxSockets: o.concurrency * 2 });
  const run: Omit<Run, "channel" | "crossCheck" | "ownProxy" | "session"> = {
    o,
    api,
    runId: `cm${Date.now().toString(36)}${randomBytes(3).toString("hex")}`,
    started: Date.now(),
    abort,
    transport,
    ownTransport: o.transport === undefined,
    wrote: false,
    current: RUN,
    created: new Set(),
    secrets: new Set(),
    hits: [],
    generated: [],
    findings: [],
    records: [],
    tally: new ClauseTally(),
    routes: routesOf(api),
    listenerError: undefined,
    detach: () => o.signal?.removeEventListener("abort", onAbort),
    emit(event) {
      try {
        o.onEvent?.(event);
      } catch (err) {
        run.listenerError ??= err;
        abort.abort(err);
      }
    },
  };
  const channel = createChannel({
    transport,
    signal: abort.signal,
    rate: o.rate,
    maxRequests: o.maxRequests,
    requestTimeoutMs: o.requestTimeoutMs,
    onRequest: (request, { status, ms, meta }) => {
      if (request.method !== "GET") run.wrote = true;
      if (status !== undefined) run.hits.push({ operationId: meta.operationId, status });
      if (meta.constraint) run.generated.push({ constraint: meta.constraint });
      for (const key of meta.covers ?? []) run.generated.push({ reached: `${meta.operationId} ${key}` });
      run.emit({
        type: "request",
        scenario: run.current,
        method: request.method,
        url: request.url,
        status,
        ms,
        ...meta,
      });
    },
  });
  const ownProxy =
    o.prismProxy === true ? await startProxyOrFail(api, run.ownTransport ? transport : undefined) : undefined;
  const proxy = ownProxy ?? (typeof o.prismProxy === "object" ? o.prismProxy : undefined);
  const crossCheck = proxy
    ? crossCheckThrough({ proxy, baseUrl: o.baseUrl, channel, requestTimeoutMs: o.requestTimeoutMs })
    : undefined;
  const session = createSession({
    baseUrl: o.baseUrl,
    apiKey: o.apiKey,
    channel,
    crossCheck,
    slViolations: o.slViolations,
    checkResponse: (operationId, answer) => checkResponse(api, operationId, answer),
    signal: abort.signal,
    onAnswer: (operationId, answer) => remember(run, operationId === run.routes.create.operationId, answer),
  });
  return Object.assign(run, { channel, crossCheck, ownProxy, session });
}

async function startProxyOrFail(api: Api, transport: Transport | undefined): Promise<PrismProxy> {
  try {
    return await startPrismProxy({ spec: api.doc });
  } catch (err) {
    await transport?.close();
    throw new ConformanceError(`Prism's validating proxy (prismProxy) could not start: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Secrets to hide, and the users a create made (to delete at the end). */
function remember(run: Pick<Run, "secrets" | "created">, isCreate: boolean, answer: Exchange): void {
  const json = answer.json as { id?: unknown; temporary_password?: unknown } | undefined;
  if (typeof json?.temporary_password === "string" && json.temporary_password) run.secrets.add(json.temporary_password);
  if (isCreate && answer.status < 300 && typeof json?.id === "string") run.created.add(json.id);
}

/**
 * One request before anything else: a server that cannot be reached stops the run with one clear
 * error. (Aborted already: the scenarios are skipped as interrupted.)
 */
async function probe(run: Run): Promise<void> {
  const { list } = run.routes;
  const url = `${run.o.baseUrl}${list.pathTemplate}?limit=1`;
  try {
    await run.channel.send(
      { method: "GET", url, headers: { Authorization: `Bearer ${run.o.apiKey}` } },
      { operationId: list.operationId },
    );
  } catch (err) {
    if (err instanceof NoAnswer)
      throw new ConformanceError(`cannot reach ${run.o.baseUrl}: ${err.message}`, { cause: err });
    if (!(err instanceof RunStopped)) throw err;
  }
}

const info = (s: Scenario): ScenarioInfo => ({
  name: s.name,
  phase: s.phase,
  checks: s.checks,
  ...(s.operation && { operation: s.operation }),
});

/** The scenarios within the caller's scope (phases, operations). */
function plan(run: Run): Scenario[] {
  const { phases, operations } = run.o;
  return scenariosOf(run.api).filter(
    (s) => phases.has(s.phase) && (!operations || !s.operation || operations.has(s.operation)),
  );
}

/** With writes, a user of the run's own that valid updates go to (the generated ids belong to nobody). */
async function createSandbox(run: Run, scenarios: Scenario[]): Promise<string> {
  if (!run.o.writes || !scenarios.some((s) => s.operation === "updateUser" && s.phase === "positive")) return "";
  const made = await run.session.sender
    .send({
      operation: "createUser",
      method: "POST",
      path: run.routes.create.pathTemplate,
      body: {
        name: "Conformance Sandbox",
        email: newEmail(run)("sandbox"),
        role: { type: "predefined", name: "member" },
        invite_mode: "none",
      },
    })
    .catch(() => undefined);
  const id = (made?.exchange.json as { id?: unknown } | undefined)?.id;
  return typeof id === "string" ? id : "";
}

function newEmail(run: Run): (tag: string) => string {
  let serial = 0;
  return (tag) => `conformance.${run.runId}.${++serial}.${tag}@example.com`;
}

function contextOf(run: Run, sandbox: string): RunContext {
  const settings: Settings = {
    seed: run.o.seed,
    runs: run.o.runs,
    concurrency: run.o.concurrency,
    deadline: run.o.seconds === undefined ? Number.POSITIVE_INFINITY : run.started + run.o.seconds * 1000,
    shrinkMs: run.o.shrinkMs,
    started: run.started,
    stopped: () => run.channel.stopped(),
    shrunk: new Set(),
  };
  return {
    api: run.api,
    session: run.session,
    settings,
    writes: run.o.writes,
    runId: run.runId,
    newEmail: newEmail(run),
    sandbox,
    tally: run.tally,
    model: run.o.model,
  };
}

/** Why a scenario does not run, or undefined. */
function skipReason(run: Run, s: Scenario): string | undefined {
  if (run.channel.stopped()) return `not run: ${run.channel.stopped()}`;
  if (s.writes && !run.o.writes) return "writes not allowed";
  if (!s.checks.some((c) => run.o.selected.has(c))) return "none of its checks selected";
  return undefined;
}

async function runScenario(run: Run, ctx: RunContext, s: Scenario, index: number, total: number): Promise<void> {
  const skipped = skipReason(run, s);
  if (skipped) return record(run, s, index, total, { requests: 0, cases: 0, findings: 0, seconds: 0, skipped });
  run.emit({ type: "scenario-started", scenario: info(s), index, total });
  const before = run.channel.requests;
  const started = performance.now();
  run.current = s.name;
  const result = await runGuarded(s, ctx);
  run.current = RUN;
  const findings = result.failures
    .filter((f) => run.o.selected.has(f.check))
    .map((f) => ({
      ...toFinding(f, check(f.check), { apiKey: run.o.apiKey, secrets: run.secrets }),
      scenario: s.name,
    }));
  for (const finding of findings) {
    run.findings.push(finding);
    run.emit({ type: "finding", scenario: s.name, finding });
  }
  record(run, s, index, total, {
    requests: run.channel.requests - before,
    cases: result.cases,
    findings: findings.length,
    seconds: (performance.now() - started) / 1000,
  });
}

/**
 * A scenario's failures; a request without an answer outside a property is its finding, a stop
 * ends the scenario quietly, anything else thrown is a finding of run_completed.
 */
async function runGuarded(s: Scenario, ctx: RunContext): Promise<ScenarioResult> {
  try {
    return await s.run(ctx);
  } catch (err) {
    if (err instanceof RunStopped) return { failures: [], cases: 0 };
    if (err instanceof Unanswered) return { failures: fixedFailures([err.observation], ctx.settings), cases: 0 };
    const why = err instanceof Error ? err.message : String(err);
    const message = `The check "${s.name}" could not complete: ${why}`;
    const failed = { check: "run_completed", operation: RUN, message, where: s.name };
    return { failures: fixedFailures([failed], ctx.settings), cases: 0 };
  }
}

function record(run: Run, s: Scenario, index: number, total: number, outcome: ScenarioOutcome): void {
  run.records.push({ ...info(s), ...outcome });
  run.emit({ type: "scenario-finished", scenario: info(s), index, total, outcome });
}

/** Deletes what the run created (a user it could not delete is a finding), then lets go of sockets and Prism. */
async function closeRun(run: Run): Promise<void> {
  try {
    if (run.o.writes && run.wrote) {
      const left = await deleteCreatedUsers({
        baseUrl: run.o.baseUrl,
        apiKey: run.o.apiKey,
        channel: run.channel,
        routes: run.routes,
        runId: run.runId,
        created: run.created,
      });
      if (left.length) run.findings.push(cleanupFinding(run, left));
    }
  } finally {
    await run.crossCheck?.close();
    await run.ownProxy?.stop();
    if (run.ownTransport) await run.transport.close();
    run.detach();
  }
}

function cleanupFinding(run: Run, left: string[]): Finding {
  const c = check("cleanup");
  return {
    check: c.id,
    severity: c.severity,
    operation: RUN,
    title: c.title,
    message: `Could not delete every user this run created (emails contain ${run.runId}); delete them by hand: ${left.join(", ")}.`,
    atMs: Date.now() - run.started,
  };
}

function checkRows(run: Run): FindingsRun["checks"] {
  return CHECKS.map((c) => {
    const operations = operationsOf(c, run.api).filter((op) => run.o.writes || isRead(run.api.operation(op)));
    return {
      id: c.id,
      title: c.title,
      severity: c.severity,
      operations,
      source: operations.map((op) => sourceOf(c, run.api, op)).join(" ") || c.source,
      // The run's own checks (every scenario completed, the clean-up) apply to no operation, and ran.
      ran: run.o.selected.has(c.id) && (c.kind === "run" ? c.id !== "cleanup" || run.o.writes : operations.length > 0),
    };
  });
}

/** The report: built from what the run saw, written to `reportDir` in the formats asked for. */
function finishReport(run: Run): FindingsRun {
  const { o } = run;
  const promised = specClauses(run.api);
  const clauses = Object.fromEntries(promised.map((c) => [c.id, run.tally.count(c.id)]));
  const coverage = coverageReport(run.api, run.hits, run.generated, `Contract coverage (live: ${o.baseUrl})`, o.seed, {
    clauses: renderClauseTable(clauses, promised),
  });
  const interrupted = run.abort.signal.aborted && run.listenerError === undefined;
  const capped = !interrupted ? run.channel.stopped() : undefined;
  const secrets = { apiKey: o.apiKey, secrets: run.secrets };
  const fields: Omit<FindingsRun, "version" | "groups"> = {
    target: "live",
    server: o.baseUrl,
    runId: run.runId,
    seed: o.seed,
    budget: o.budgetLabel,
    writes: o.writes,
    startedAt: new Date(run.started).toISOString(),
    seconds: (Date.now() - run.started) / 1000,
    requests: run.channel.requests,
    cases: run.records.reduce((n, r) => n + r.cases, 0),
    checks: checkRows(run),
    skipped: run.records
      .filter((r) => r.skipped && r.skipped !== "none of its checks selected")
      .map((r) => `${r.name} (${r.skipped})`),
    findings: run.findings,
    constraints: coverage.constraints.rows,
    scenarios: run.records,
    clauses,
    ...(interrupted && { interrupted }),
    ...(capped && { stopped: capped }),
    ...(run.session.crossCheckStats() && { crossCheck: run.session.crossCheckStats() }),
  };
  const report = buildReport(fields, secrets);
  if (!o.reportDir) return report;
  mkdirSync(o.reportDir, { recursive: true });
  if (o.formats.has("json")) writeFindingsJson(o.reportDir, report);
  if (o.formats.has("md")) {
    writeFileSync(join(o.reportDir, "conformance.md"), renderMarkdown(report, [coverage.tables], secrets));
    writeFileSync(join(o.reportDir, "coverage.md"), coverage.markdown);
  }
  if (o.formats.has("junit")) writeFileSync(join(o.reportDir, "junit.xml"), renderJunit(report, secrets));
  return report;
}
