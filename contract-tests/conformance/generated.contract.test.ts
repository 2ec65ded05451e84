// Conformance mode (CONTRACT_BASE_URL set): the engine ran once in the global setup
// (runConformance, harness/global-setup.ts); here each scenario gets its verdict, so vitest lists
// what was checked and fails on what was found. The reports are in CONTRACT_REPORT_DIR (reports/).
import { describe, expect, inject, it } from "vitest";
import { describeFinding } from "../harness/engine.ts";

const report = inject("report");

describe.runIf(report)("conformance: generated cases, properties and lives", () => {
  for (const s of report?.scenarios ?? [])
    (s.skipped ? it.skip : it)(s.skipped ? `${s.name} (${s.skipped})` : s.name, () => {
      const found = report?.findings.filter((f) => f.scenario === s.name) ?? [];
      expect(found.map(describeFinding), `seed ${report?.seed}`).toEqual([]);
    });
  it("the run itself: completed, and deleted every user it created", () => {
    expect(report?.interrupted ?? false, "interrupted").toBe(false);
    expect(report?.findings.filter((f) => f.operation === "(run)").map(describeFinding)).toEqual([]);
  });
});
