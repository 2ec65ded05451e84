import { describe, expect, it } from "vitest";
import { CHECKS, check, operationsOf, selectChecks, sourceOf, UnknownCheck } from "./checks.ts";
import { describeApi, loadApi, resolvePointer } from "./spec.ts";

const api = await loadApi();

describe("check registry and spec agree", () => {
  it("every check applies to at least one operation, and its source exists in the spec for each", () => {
    for (const c of CHECKS.filter((x) => x.kind !== "run")) {
      const ops = operationsOf(c, api);
      expect(ops, `${c.id} applies to no operation`).not.toEqual([]);
      for (const op of ops)
        expect(
          resolvePointer(api.doc, sourceOf(c, api, op)),
          `${c.id} on ${op}: ${sourceOf(c, api, op)}`,
        ).toBeDefined();
    }
  });

  it("the run's own checks cite a place that exists in the spec", () => {
    for (const c of CHECKS.filter((x) => x.kind === "run"))
      expect(resolvePointer(api.doc, c.source), c.id).toBeDefined();
  });

  it("every promise the spec makes (x-promises) has a check of that id", () => {
    const promised = api.operations.flatMap((o) => Object.keys(o.promises).map((id) => `${o.operationId}: ${id}`));
    expect(promised.length).toBeGreaterThan(10);
    const orphans = promised.filter((p) => check(p.split(": ")[1]!).kind !== "property");
    expect(orphans).toEqual([]);
  });

  it("a promise missing from the spec leaves its check without an operation", () => {
    const doc = structuredClone(api.doc) as {
      paths: Record<string, Record<string, { "x-promises"?: Record<string, unknown> }>>;
    };
    delete doc.paths["/v2/users"]!.get!["x-promises"]!.filter_status;
    expect(operationsOf(check("filter_status"), describeApi(doc))).toEqual([]);
  });

  it("every promise is read as its clauses, `<check id>.<clause>`, each with its text", () => {
    const listUsers = api.operation("listUsers");
    expect(Object.keys(listUsers.clauses)).toContain("limit_respected.default_limit");
    expect(listUsers.clauses["limit_respected.default_limit"]).toMatch(/`limit` omitted.*50/);
    for (const o of api.operations) {
      const checks = new Set(Object.keys(o.clauses).map((id) => id.split(".")[0]));
      expect([...checks].sort(), o.operationId).toEqual(Object.keys(o.promises).sort());
      for (const id of Object.keys(o.clauses)) expect(id).toMatch(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/);
    }
  });

  it("a clause several operations make means the same on each (one text)", () => {
    const texts = new Map<string, Set<string>>();
    for (const o of api.operations)
      for (const [id, text] of Object.entries(o.clauses)) texts.set(id, (texts.get(id) ?? new Set()).add(text));
    expect(texts.get("unknown_id_404.unknown_id")?.size).toBe(1);
    expect([...texts].filter(([, t]) => t.size > 1).map(([id]) => id)).toEqual([]);
  });

  it("a promise written as one string, not as clauses, is an error that names it", () => {
    const doc = structuredClone(api.doc) as {
      paths: Record<string, Record<string, { "x-promises"?: Record<string, unknown> }>>;
    };
    doc.paths["/v2/users"]!.get!["x-promises"]!.filter_status = "returns exactly the users in those statuses";
    expect(() => describeApi(doc)).toThrow(/listUsers: x-promises.filter_status must map each clause to its text/);
  });

  it("ids are unique and snake_case", () => {
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});

describe("only / skip", () => {
  it("selects and skips by id", () => {
    expect([...selectChecks(["filter_status", "response_schema"])]).toEqual(["filter_status", "response_schema"]);
    expect(selectChecks().size).toBe(CHECKS.length);
    expect(selectChecks([], ["prism_violation"]).has("prism_violation")).toBe(false);
  });

  it("an unknown id is an error that names it and the known ids", () => {
    expect(() => selectChecks(["filter_stats"])).toThrow(/unknown check id "filter_stats"; known: no_server_error/);
    expect(() => selectChecks([], ["nope"])).toThrow(UnknownCheck);
  });
});
