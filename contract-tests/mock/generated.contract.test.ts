// Generated cases against the mock, so that spec, Prism and generator check each other: every
// valid request the generator makes is accepted and answered as documented; every request that
// breaks one constraint is refused with a documented 4xx whose sl-violations names the culprit.
// Both lists come from the spec: a constraint added there gets its case here, or the coverage
// gate fails the run.
import { describe, expect, inject, it } from "vitest";
import { negativeCases, type NegativeCase } from "../engine/generate.ts";
import { wireOf } from "../engine/http.ts";
import { loadApi } from "../engine/spec.ts";
import { AUTH, expectRefused, prismUrl, recorder, target } from "../harness/context.ts";
import { describeFinding, runOnMock } from "../harness/engine.ts";
import { recordHit } from "../harness/coverage.ts";

const api = await loadApi();
const operations = api.operations.map((o) => o.operationId);
const coverageFile = inject("coverageFile");

// Prism 5.16's known gaps: requests it lets through although the spec forbids them, or never
// answers. Each stays an expected failure (keyed by constraint id and case), so the day Prism
// refuses it the test turns red and the entry goes.
const PRISM_GAPS: Record<string, string> = {
  "listUsers query.cursor minLength": "Prism accepts ?cursor= (empty) despite minLength 1",
  "listUsers query.status[] enum | query.status[] an empty value (`status=`, how an empty list would be sent)":
    "Prism accepts ?status= (empty) although it is no UserStatus",
  "createUser body mediaType": "Prism never answers a body that is not JSON (the request hangs)",
  "updateUser body mediaType": "Prism never answers a body that is not JSON (the request hangs)",
};
const gapOf = (c: NegativeCase) => PRISM_GAPS[c.constraint.id] ?? PRISM_GAPS[`${c.constraint.id} | ${c.description}`];
// A gap may be a hang: give up soon, the failure is expected anyway.
const GAP_TIMEOUT_MS = 1_500;

describe.runIf(target === "mock")("generated valid requests: the mock accepts them and answers as documented", () => {
  it.each(operations)("%s", async (operationId) => {
    const report = await runOnMock({ phases: ["positive"], operations: [operationId] });
    expect(report.cases).toBeGreaterThan(0);
    expect(report.findings.map(describeFinding), `seed ${report.seed}`).toEqual([]);
  });
});

describe.runIf(target === "mock")(
  "sequences of operations: every step the mock accepts and answers as documented",
  () => {
    // The mock keeps no state, so no model: each step's request must be valid and its answer conform.
    it("random sequences of every operation", async () => {
      const report = await runOnMock({ phases: ["stateful"], model: false, budget: 15 });
      expect(report.scenarios.map((s) => [s.name, s.skipped])).toEqual([
        ["sequences of operations against a model of the account, every promise checked after every step", undefined],
      ]);
      expect(report.cases).toBe(15);
      expect(report.findings.map(describeFinding), `seed ${report.seed}`).toEqual([]);
    });
  },
);

describe.runIf(target === "mock")("generated invalid requests: the mock refuses each, naming the culprit", () => {
  const rec = recorder();
  const cases = operations.flatMap((op) => negativeCases(api.doc, op));
  const label = (c: NegativeCase) => `${c.constraint.id}: ${c.description}`;
  const send = async (c: NegativeCase, timeoutMs = 30_000) => {
    recordHit(coverageFile, { constraint: c.constraint.id });
    const wire = wireOf(c, prismUrl, "", AUTH.Authorization);
    await rec.fetch(wire.url, {
      method: wire.method,
      headers: wire.headers,
      signal: AbortSignal.timeout(timeoutMs),
      ...(wire.body === undefined ? {} : { body: wire.body }),
    });
    // Prism names an array item by its index (query.status.0): the item's location without [].
    expectRefused(rec.last(), c.operationId, c.constraint.location.replace(/\[\]/g, ""));
  };
  it.each(cases.filter((c) => !gapOf(c)).map((c) => [label(c), c] as const))("%s", async (_, c) => send(c));
  it.fails.each(cases.filter((c) => gapOf(c)).map((c) => [`Prism gap: ${gapOf(c)}`, c] as const))("%s", async (_, c) =>
    send(c, GAP_TIMEOUT_MS),
  );
});
