// What the mock suite's test files use: the mock's URL the global setup provides, a real fetch that
// keeps a copy of every exchange, and the two verdicts (conforms / refused) that also record coverage.
// Responses are judged by the engine's response checks (../engine/response-checks.ts), as the
// generated cases are.
import { expect, inject } from "vitest";
import { responseSpec, runResponseChecks } from "../engine/response-checks.ts";
import { loadApi } from "../engine/spec.ts";
import { redact } from "../engine/redact.ts";
import { recordHit } from "./coverage.ts";

export const target = inject("target");
export const prismUrl = inject("prismUrl");
const api = await loadApi();
const responses = responseSpec(api);

/** Any bearer token passes the mock. */
export const API_KEY = "contract-test-key";
export const AUTH = { Authorization: `Bearer ${API_KEY}` } as const;

export interface SlViolation {
  location?: string[];
  severity?: string;
  code?: string | number;
  message?: string;
}

export interface Exchange {
  method: string;
  url: string;
  /** The operation the request hit, undefined when no path of the spec matches. */
  operationId: string | undefined;
  status: number;
  headers: Headers;
  body: string;
  /** Prism's `sl-violations` header, parsed; [] when absent. */
  slViolations: SlViolation[];
}

// A header we cannot read is itself a violation, never a crash of the client under test.
const parseViolations = (raw: string): SlViolation[] => {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed)) return parsed as SlViolation[];
  } catch {}
  return [{ severity: "Error", message: `unreadable sl-violations header: ${raw.slice(0, 200)}` }];
};

/** A real fetch (Node's, keep-alive) that remembers every exchange; hand it to any client. */
export function recorder(base: typeof fetch = globalThis.fetch) {
  const exchanges: Exchange[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await base(request.clone());
    const body = await response.clone().text();
    const sl = response.headers.get("sl-violations");
    exchanges.push({
      method: request.method,
      url: request.url,
      operationId: api.operationFor(request.method, new URL(request.url).pathname)?.operationId,
      status: response.status,
      headers: response.headers,
      body,
      slViolations: sl ? parseViolations(sl) : [],
    });
    return response;
  };
  const last = (): Exchange => {
    const ex = exchanges.at(-1);
    if (!ex) throw new Error("no request was sent");
    return ex;
  };
  return { fetch, exchanges, last };
}

const describeEx = (ex: Exchange) => redact(`${ex.method} ${ex.url} → ${ex.status} ${ex.body.slice(0, 300)}`);

export function record(operationId: string, status: number): void {
  recordHit(inject("coverageFile"), { operationId, status });
}

/**
 * Every response check passes on the exchange's answer. The violations go in the message, one a
 * line as `check at where: message` (vitest would truncate them in its diff).
 */
export function expectValid(ex: Exchange, operationId: string, context = describeEx(ex)): void {
  const violations = runResponseChecks(responses, {
    operationId,
    status: ex.status,
    headers: ex.headers,
    body: ex.body,
  }).map((v) => `${v.check}${v.where ? ` at ${v.where}` : ""}: ${v.message}`);
  expect(violations, `${context}\nviolations:\n  ${violations.join("\n  ")}\n`).toEqual([]);
}

/** The exchange hit `operationId`, answered `status`, and neither Prism nor the response checks object. */
export function expectConforms(ex: Exchange, operationId: string, status: number): void {
  const context = describeEx(ex);
  expect(ex.operationId, context).toBe(operationId);
  expect(ex.status, context).toBe(status);
  expect(ex.slViolations, `sl-violations ${JSON.stringify(ex.slViolations)} of ${context}`).toEqual([]);
  expectValid(ex, operationId, context);
  record(operationId, status);
}

// `field` is where the fault is, below `request`: "body.role.name", "query.limit". A violation at
// the field or inside it counts; a missing property is reported at its parent, so that counts
// when the message names it.
const names = (v: SlViolation, field: string): boolean => {
  const loc = (v.location ?? []).join(".");
  const want = `request.${field}`;
  const last = field.split(".").at(-1)!;
  // A missing body is reported at the request itself ("Body parameter is required").
  const message = v.message ?? "";
  return (
    loc === want ||
    loc.startsWith(`${want}.`) ||
    (want.startsWith(`${loc}.`) && (message.includes(`'${last}'`) || (field === "body" && /\bbody\b/i.test(message))))
  );
};

/**
 * The mock refused the request with a documented 4xx whose body conforms, and Prism's
 * `sl-violations` names `field` (e.g. "body.name", "body.role.name", "query.limit") as the culprit.
 */
export function expectRefused(ex: Exchange, operationId: string, field: string): void {
  const context = describeEx(ex);
  expect(ex.operationId, context).toBe(operationId);
  expect(ex.status, context).toBeGreaterThanOrEqual(400);
  expect(ex.status, context).toBeLessThan(500);
  expectValid(ex, operationId, context);
  const named = ex.slViolations.filter((v) => v.severity === "Error" && names(v, field));
  expect(named, `an sl-violations error at ${field} in ${JSON.stringify(ex.slViolations)}`).not.toEqual([]);
  record(operationId, ex.status);
}

/** `Prefer` header asking Prism for one status and/or one named example. */
export const prefer = (p: { code?: number; example?: string }) => ({
  Prefer: [p.code && `code=${p.code}`, p.example && `example=${p.example}`].filter(Boolean).join(", "),
});
