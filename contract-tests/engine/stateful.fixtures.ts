// Fixtures of the stateful property's tests: the reference server on 127.0.0.1 (conforming or a
// mutant), a minimal Sender (fetch, 429s waited out, every answer through the response checks;
// not the session), this test run's addresses and bodies, and a way to explore a property on it.
import { randomBytes } from "node:crypto";
import { type MutationName, MUTATIONS } from "../reference-server/mutations.ts";
import { startReferenceServer } from "../reference-server/server.ts";
import type { ClauseObservation } from "./clauses.ts";
import { positiveCases } from "./generate.ts";
import type { CreateBody, Sender, UpdateBody } from "./properties.ts";
import { checkResponse } from "./response-checks.ts";
import { explore, type Failure, type Observation, type Property, type Settings, type WireRequest } from "./runner.ts";
import { loadApi } from "./spec.ts";
import { refusalsOf, type StatefulOptions, statefulProperty } from "./stateful.ts";

export const api = await loadApi();
export const API_KEY = `stateful-key-${randomBytes(6).toString("hex")}`;
export const RUN = randomBytes(3).toString("hex");

/** fetch, 429s waited out (Retry-After), every answer through the response checks; keeps what it sent. */
export function testSender(baseUrl: string): Sender & { sent: WireRequest[] } {
  const sent: WireRequest[] = [];
  const once = async (r: { operation: string; method: string; path: string; body?: unknown }) => {
    const request: WireRequest = {
      method: r.method,
      url: baseUrl + r.path,
      headers: {
        Authorization: `Bearer ${API_KEY}`,
        ...(r.body !== undefined && { "Content-Type": "application/json" }),
      },
      ...(r.body !== undefined && { body: JSON.stringify(r.body) }),
    };
    sent.push(request);
    const res = await fetch(request.url, request);
    const body = await res.text();
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {}
    return { request, status: res.status, headers: Object.fromEntries(res.headers), body, json };
  };
  return {
    sent,
    async send(r) {
      const observations: Observation[] = [];
      for (let attempt = 1; ; attempt++) {
        const exchange = await once(r);
        observations.push(...checkResponse(api, r.operation, exchange));
        if (exchange.status !== 429 || attempt === 3) return { exchange, observations };
        await new Promise((resolve) => setTimeout(resolve, Number(exchange.headers["retry-after"] ?? 0) * 1000));
      }
    },
  };
}

let serial = 0;
/** Addresses of this test run, as the conformance run makes them: the generated local part kept, made unique. */
export const hooks = {
  email: (generated: string) => {
    const local = generated
      .slice(0, generated.lastIndexOf("@"))
      .slice(0, 30)
      .replace(/[^A-Za-z0-9+_-]/g, "");
    return `sf.${RUN}.${++serial}.${local || "x"}@example.com`;
  },
  mayRefuse: (body: CreateBody) => (body.role.type === "custom" ? ["400", "422"] : []),
};
export const bodies = {
  create: positiveCases(api.doc, "createUser").map((c) => (c.body as { json: CreateBody }).json),
  update: positiveCases(api.doc, "updateUser").map((c) => (c.body as { json: UpdateBody }).json),
};
export const createRequest = (i: number) => ({
  operation: "createUser",
  method: "POST",
  path: "/v2/users",
  body: {
    name: `Existing ${i}`,
    email: hooks.email(`existing${i}@x.io`),
    role: { type: "predefined", name: "member" },
    invite_mode: "none",
  },
});
export const settings = (seed: number, over: Partial<Settings> = {}): Settings => ({
  seed,
  runs: 25,
  concurrency: 1,
  deadline: Number.POSITIVE_INFINITY,
  shrinkMs: 0,
  started: Date.now(),
  ...over,
});

export type Found = Failure & ClauseObservation;

/** A server (conforming, or a mutant) on 127.0.0.1, and a property of its sender explored on it. */
export async function exploreOn<T>(
  mutation: MutationName | undefined,
  s: Settings,
  property: (sender: Sender) => Property<T>,
  prepare?: (sender: Sender) => Promise<void>,
): Promise<{ failures: Found[]; sent: WireRequest[]; ms: number }> {
  const server = await startReferenceServer({ apiKey: API_KEY, mutation });
  try {
    const sender = testSender(server.url);
    await prepare?.(sender);
    const t0 = performance.now();
    const { failures } = await explore(property(sender), s);
    return { failures, sent: sender.sent, ms: performance.now() - t0 };
  } finally {
    await server.stop();
  }
}
export const stateful =
  (options: Partial<StatefulOptions> = {}) =>
  (sender: Sender) =>
    statefulProperty(sender, hooks, bodies, { writes: true, refusals: refusalsOf(api), ...options });

export const describeFailures = (failures: Found[]) =>
  failures
    .map(
      (f) =>
        `${f.clause ?? f.check} (${f.operation}): ${f.message}\n  ${(f.steps ?? []).map((s) => s.label).join(" → ")}`,
    )
    .join("\n");
export const caughtBy = (mutation: MutationName, failures: Found[]) =>
  failures.filter((f) => (MUTATIONS[mutation].checks as readonly string[]).includes(f.check));
