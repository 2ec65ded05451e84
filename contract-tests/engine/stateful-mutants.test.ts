// The mutants that need a sequence the fixed life never runs, or a clause nothing asserted before:
// each is caught by the model-based property and shrunk to at most 4 steps, reported with a curl
// per step; and the old mutants of the promises the sequences assert are caught too.
import { describe, expect, it } from "vitest";
import { type MutationName, SEQUENCE_MUTATION_NAMES } from "../reference-server/mutations.ts";
import { check } from "./checks.ts";
import { renderMarkdown, toFinding } from "./findings.ts";
import type { Sender } from "./properties.ts";
import {
  API_KEY,
  caughtBy,
  createRequest,
  describeFailures,
  exploreOn,
  RUN,
  settings,
  stateful,
} from "./stateful.fixtures.ts";

describe("mutants only a sequence shows: caught, and shrunk to at most 4 steps", () => {
  it.each(SEQUENCE_MUTATION_NAMES)("%s", async (mutation) => {
    const { failures } = await exploreOn(mutation, settings(1, { shrinkMs: 10_000 }), stateful());
    const hits = caughtBy(mutation, failures);
    expect(hits.length, describeFailures(failures)).toBeGreaterThan(0);
    const shortest = hits.reduce((a, b) => ((a.steps?.length ?? 99) <= (b.steps?.length ?? 99) ? a : b));
    expect(shortest.steps?.length, describeFailures(hits)).toBeLessThanOrEqual(4);
    expect(shortest.clause?.startsWith(`${shortest.check}.`)).toBe(true);
    expect(shortest.shrunk || shortest.steps!.length <= 2, "fast-check shrank it").toBe(true);
  });

  it("reads only: a fault of the list is caught on the account's users (a default page of 20)", async () => {
    const prepare = async (sender: Sender) => {
      for (let i = 0; i < 15; i++) await sender.send(createRequest(i)); // an account of 24 users
    };
    const { failures, sent } = await exploreOn("default-limit-20", settings(1), stateful({ writes: false }), prepare);
    expect(caughtBy("default-limit-20", failures).length, describeFailures(failures)).toBeGreaterThan(0);
    expect(new Set(sent.slice(15).map((r) => r.method))).toEqual(new Set(["GET"]));
  });

  it("the finding: steps with a curl each, the seed and the path in conformance.md; no key, no password", async () => {
    const { failures } = await exploreOn(
      "create-again-answers-first-version",
      settings(1, { shrinkMs: 10_000 }),
      stateful(),
    );
    const f = caughtBy("create-again-answers-first-version", failures)[0]!;
    const finding = toFinding(f, check(f.check), { apiKey: API_KEY });
    expect(finding.clause).toBe("create_idempotent.invited_200");
    expect(finding.steps?.map((s) => s.label.split("(")[0])).toEqual(["create", "update", "create again"]);
    const md = renderMarkdown({
      version: 2,
      target: "live",
      server: "http://127.0.0.1:9",
      runId: RUN,
      seed: 1,
      budget: 25,
      writes: true,
      startedAt: "2026-12-06T00:00:00Z",
      seconds: 1,
      requests: 1,
      cases: 25,
      checks: [],
      skipped: [],
      findings: [finding],
      groups: [],
      constraints: [],
      scenarios: [],
    });
    expect(md).toMatch(/The sequence that shows it \(3 steps, shrunk by fast-check; seed 1, case path [\d:]+\)/);
    expect(md.match(/^ {3}curl -sS/gm)).toHaveLength(3);
    expect(md).not.toContain(API_KEY);
    expect(md).not.toMatch(/"temporary_password":"(?!\[REDACTED\])/);
  });
});

// The old mutants whose promises the sequences assert (not auth, not invalid input, not ids no server gives).
const OLD: MutationName[] = [
  "limit-ignored",
  "unsorted",
  "sorted-by-name",
  "repeated-across-pages",
  "short-pages",
  "status-filter-ignored",
  "status-filter-first-only",
  "email-filter-case-sensitive",
  "email-filter-prefix",
  "email-filter-local-part",
  "deleted-still-listed",
  "create-not-idempotent",
  "create-ignores-developer-false",
  "create-lowercases-email",
  "none-mode-invited",
  "temporary-password-leaked",
  "temporary-password-on-200",
  "update-touches-other-fields",
  "update-name-not-stripped",
  "update-not-stored",
  "get-stale-after-update",
  "delete-not-idempotent",
  "delete-keeps-get",
  "resend-any-status",
  "reset-any-status",
  "upper-case-enums",
  "undocumented-status",
];

describe("old mutants of the promises the sequences assert: caught too", () => {
  it.each(OLD)("%s", async (mutation) => {
    const { failures } = await exploreOn(mutation, settings(1), stateful());
    expect(caughtBy(mutation, failures).length, describeFailures(failures)).toBeGreaterThan(0);
  });
});
