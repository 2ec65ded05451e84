// Conformance mode, worker side: one `send` for all traffic (through Prism's proxy, or straight
// to the server for requests Prism would refuse itself), both oracles on every response, and
// the finding helpers. A test fails when it recorded a finding (see `guardFindings`).
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { afterEach, beforeEach, expect, inject, onTestFailed } from "vitest";
import { API_KEY, prismUrl, record, target, upstreamUrl, validator } from "../harness/context.ts";
import { appendFinding, appendSkipped, curlFor, scrub, type Finding, type Request } from "./findings.ts";
import { TAP_ID_HEADER, type Recorded } from "./tap.ts";

export const live = target === "live";
export const writes = live && process.env.CONTRACT_ALLOW_WRITES === "1";
export const runId = inject("runId");
const findingsFile = inject("findingsFile");
const createdFile = inject("createdFile");
const tapUrl = inject("tapUrl");

/** Temporary passwords seen in responses: never to be written anywhere. */
const secrets = new Set<string>();
let current: Finding[] = [];

export interface Res {
  operation: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  json: unknown;
  /** The request, to reproduce it with curl (against the server itself). */
  req: Request;
}

export function finding(f: Finding): void {
  const clean = { ...f, detail: scrub(f.detail, API_KEY, secrets), curl: f.curl && scrub(f.curl, API_KEY, secrets) };
  current.push(clean);
  if (findingsFile) appendFinding(findingsFile, clean);
}

/** Records a finding unless `ok`. */
export function check(ok: boolean, res: Res | undefined, operation: string, name: string, detail: string): boolean {
  if (!ok) finding({ operation, check: name, detail: res ? `${detail}\n\nGot: ${show(res)}` : detail, curl: res && curlFor(res.req, API_KEY) });
  return ok;
}

/** Checks that cannot run in a read-only run are listed in the report. */
export function skipped(name: string): void {
  if (findingsFile) appendSkipped(findingsFile, name);
}

/**
 * Call inside a describe: each test fails when it recorded findings, and a test that failed any
 * other way (threw on an unexpected answer) becomes a finding too, so the report never says PASS
 * for a failing run.
 */
export function guardFindings(): void {
  let hadFindings = false;
  beforeEach(() => {
    onTestFailed(({ task }) => {
      if (hadFindings) return;
      const why = (task.result?.errors ?? []).map((e) => e.message).join("; ") || "failed";
      finding({ operation: "(run)", check: `check could not complete: ${task.name}`, detail: why });
    });
  });
  afterEach(() => {
    const found = current;
    current = [];
    hadFindings = found.length > 0;
    expect(found.map((f) => `${f.operation}: ${f.check}: ${f.detail}`), "conformance findings").toEqual([]);
  });
}

const show = (res: Res) => {
  const body = res.body.length > 600 ? `${res.body.slice(0, 600)}…` : res.body;
  return scrub(`${res.status} ${res.headers["content-type"] ?? "(no content-type)"} ${body}`, API_KEY, secrets);
};

export interface SendOptions {
  operation: string;
  method: string;
  /** Path and query, e.g. /v2/users?limit=2 */
  path: string;
  /** A value to send as JSON, or a raw string (sent as is, for malformed bodies). */
  body?: unknown;
  /** "proxy" (default): through Prism; "direct": straight to the server (requests Prism would refuse). */
  via?: "proxy" | "direct";
  /** Replaces the Authorization header; null sends none. */
  auth?: string | null;
}

/** Sends one request (again after a 429, up to 3 times, waiting Retry-After seconds, at most 10: the test timeout is 30 s). */
export async function send(o: SendOptions): Promise<Res> {
  for (let attempt = 1; ; attempt++) {
    const res = await sendOnce(o);
    const wait = Number(res.headers["retry-after"]);
    if (res.status !== 429 || attempt === 3 || !Number.isFinite(wait)) return res;
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(wait, 0), 10) * 1000));
  }
}

/** Sends one request; records every sl-violations entry and every validator complaint as a finding; returns the server's own response. */
async function sendOnce(o: SendOptions): Promise<Res> {
  const headers: Record<string, string> = {};
  if (o.auth !== null) headers.Authorization = o.auth ?? `Bearer ${API_KEY}`;
  let body: string | undefined;
  if (o.body !== undefined) {
    body = typeof o.body === "string" ? o.body : JSON.stringify(o.body);
    headers["Content-Type"] = "application/json";
  }
  const req: Request = { method: o.method, url: upstreamUrl + o.path, headers, body };
  const id = randomUUID();
  const direct = o.via === "direct";
  const response = await fetch((direct ? upstreamUrl : prismUrl) + o.path, {
    method: o.method,
    headers: direct ? headers : { ...headers, [TAP_ID_HEADER]: id },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let own: Recorded = { status: response.status, headers: Object.fromEntries(response.headers), body: text };
  const res = (): Res => ({ operation: o.operation, ...own, json: parse(own.body), req });

  if (!direct) {
    for (const v of parseViolations(response.headers.get("sl-violations"))) {
      const where = (v.location ?? []).join(".");
      finding({ operation: o.operation, check: `Prism ${v.severity ?? "violation"}${where ? ` at ${where}` : ""}`, detail: v.message ?? JSON.stringify(v), curl: curlFor(req, API_KEY) });
    }
    const kept = await fetch(`${tapUrl}/__tap/${id}`).then((r) => (r.ok ? (r.json() as Promise<Recorded>) : undefined));
    if (kept) own = kept;
    else check(false, res(), o.operation, "no answer from the server", "Prism answered itself: it refused the request (a suite bug) or could not reach the server.");
  }
  const out = res();
  collectSecrets(out.json);
  for (const v of validator.validateResponse({ operationId: o.operation, status: own.status, headers: own.headers, body: own.body })) {
    finding({ operation: o.operation, check: "response does not match the spec", detail: `${v}\n\nGot: ${show(out)}`, curl: curlFor(req, API_KEY) });
  }
  record(o.operation, own.status);
  return out;
}

/** A request the spec forbids, sent straight to the server: it must answer a documented 4xx with a Problem (the validator checks the body). */
export async function expectRefused(o: Omit<SendOptions, "via">, what: string): Promise<Res> {
  const res = await send({ ...o, via: "direct" });
  if (res.status < 300) check(false, res, o.operation, `invalid input accepted: ${what}`, `The spec forbids this request (${what}); the server must refuse it with a documented 4xx and a Problem body, it answered ${res.status}.`);
  else if (res.status >= 500) check(false, res, o.operation, `server error on invalid input: ${what}`, `Expected a documented 4xx for ${what}, got ${res.status}.`);
  return res;
}

/** Remembers a user this run created, so the teardown deletes it whatever happens. */
export function created(res: Res): void {
  const id = (res.json as { id?: unknown } | undefined)?.id;
  if (res.status < 300 && typeof id === "string" && createdFile) appendFileSync(createdFile, `${JSON.stringify(id)}\n`);
}

let serial = 0;
/** A fresh address on example.com carrying the run id (the cleanup sweep looks for it). */
export const newEmail = (tag: string) => `conformance.${runId}.${tag}${++serial}@example.com`;

/** A well-formed id (base64 alphabet, no padding) that no server has: it carries the run id. */
export const ghostId = (tag: string) => Buffer.from(`conformance-${tag}-${runId}`).toString("base64").replace(/[+/=]/g, "A");

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

interface SlViolation { location?: string[]; severity?: string; message?: string }
function parseViolations(header: string | null): SlViolation[] {
  if (!header) return [];
  try {
    const v = JSON.parse(header) as unknown;
    return Array.isArray(v) ? (v as SlViolation[]) : [{ message: header }];
  } catch {
    return [{ message: header }];
  }
}

function collectSecrets(json: unknown): void {
  if (json && typeof json === "object") {
    const pw = (json as { temporary_password?: unknown }).temporary_password;
    if (typeof pw === "string" && pw) secrets.add(pw);
  }
}
