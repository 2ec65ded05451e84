import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { ErrorObject } from "ajv/dist/2020.js";
import {
  arbitraryFor,
  constraintsOf,
  coverageKeys,
  minimalValue,
  negativeCases,
  positiveCases,
  type Constraint,
  type RequestCase,
  type Schema,
} from "./generate.ts";
import { schemaCompiler, wireValue } from "./response-checks.ts";
import { loadSpec, type Doc } from "./spec.ts";

// The oracle: Ajv set up as the response checks set it up.
const compile = schemaCompiler();
const validate = (schema: Schema, value: unknown): ErrorObject[] => {
  const fn = compile(schema as Record<string, unknown>);
  return fn(value) ? [] : [...(fn.errors ?? [])];
};

type Obj = Record<string, unknown>;
interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema: Obj;
}
const OPS = ["listUsers", "createUser", "getUser", "updateUser", "deleteUser", "resendInvitation", "resetPassword"];

/** The schemas of an operation's parameters and body, read straight from the spec. */
function partsOf(doc: Doc, operationId: string): { params: Param[]; body?: Schema; bodyRequired: boolean } {
  for (const item of Object.values(doc.paths as Record<string, Obj>)) {
    for (const op of Object.values(item) as Obj[]) {
      if (op?.operationId !== operationId) continue;
      const params = [...((item.parameters ?? []) as Param[]), ...((op.parameters ?? []) as Param[])];
      const rb = op.requestBody as { required?: boolean; content: Record<string, { schema: Schema }> } | undefined;
      return { params, body: rb?.content["application/json"]?.schema, bodyRequired: rb?.required === true };
    }
  }
  throw new Error(`no ${operationId}`);
}

/** Every Ajv error of a request, located as constraints are: "body.role.name", "query.status[]". */
function errorsOf(doc: Doc, c: RequestCase): { location: string; keyword: string; message: string }[] {
  const { params, body, bodyRequired } = partsOf(doc, c.operationId);
  const out: { location: string; keyword: string; message: string }[] = [];
  const push = (part: string, errors: ErrorObject[]) =>
    out.push(
      ...errors.map((e) => ({
        location:
          part +
          e.instancePath
            .split("/")
            .slice(1)
            .map((s) => (/^\d+$/.test(s) ? "[]" : `.${s}`))
            .join(""),
        keyword: e.keyword,
        message: `${e.instancePath} ${e.message}`,
      })),
    );
  for (const p of params) {
    const raws =
      p.in === "path"
        ? c.path[p.name] === undefined
          ? []
          : [c.path[p.name]!]
        : c.query.filter(([n]) => n === p.name).map(([, v]) => v);
    if (!raws.length) {
      if (p.required) out.push({ location: `${p.in}.${p.name}`, keyword: "required", message: "missing" });
      continue;
    }
    const value =
      p.schema.type === "array" ? raws.map((r) => wireValue(r, p.schema.items as Obj)) : wireValue(raws[0]!, p.schema);
    push(`${p.in}.${p.name}`, validate(p.schema, value));
  }
  if (body !== undefined) {
    if (!c.body) {
      if (bodyRequired) out.push({ location: "body", keyword: "required", message: "no body" });
    } else if ("raw" in c.body) {
      try {
        push("body", validate(body, JSON.parse(c.body.raw)));
      } catch {
        out.push({ location: "body", keyword: "mediaType", message: "not JSON" });
      }
    } else push("body", validate(body, c.body.json));
  }
  return out;
}

let doc: Doc;
beforeAll(async () => {
  doc = await loadSpec();
});

const SEED = 20261128;
const sample = <T>(arb: fc.Arbitrary<T>, numRuns = 300) => fc.sample(arb, { numRuns, seed: SEED });

describe("positive cases of the real spec", () => {
  it.each(OPS)("%s: every generated request validates with Ajv", (op) => {
    fc.assert(
      fc.property(positiveCases(doc, op), (c) => {
        expect(errorsOf(doc, c)).toEqual([]);
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it.each(OPS)("%s: 300 samples reach every enum value and branch", (op) => {
    const reached = new Set(sample(positiveCases(doc, op)).flatMap((c) => c.covers));
    const { enumValues, branches } = coverageKeys(doc, op);
    for (const key of [...enumValues, ...branches]) expect(reached, key).toContain(key);
  });

  it("coverage keys name every enum value and branch of the request schemas", () => {
    expect(coverageKeys(doc)).toEqual({
      enumValues: [
        "enum query.status[]=active",
        "enum query.status[]=invited",
        "enum query.status[]=expired",
        "enum body.role.name=admin",
        "enum body.role.name=member",
        "enum body.role.name=annotator",
        "enum body.invite_mode=none",
        "enum body.invite_mode=email_link",
        "enum body.invite_mode=temporary_password",
      ],
      branches: ["branch body.role#0", "branch body.role#1", "branch body#0", "branch body#1"],
    });
  });

  it("createUser reaches the edges: non-ASCII, 1/254/255 code points, spaces around, plus tags, upper case", () => {
    const bodies = sample(positiveCases(doc, "createUser")).map((c) => (c.body as { json: Obj }).json);
    // Boundaries often, not by luck: each edge length in more than 1 of 15 samples.
    const lengths = bodies.map((b) => [...(b.name as string)].length);
    for (const n of [1, 2, 254, 255])
      expect(lengths.filter((l) => l === n).length, `name of ${n} code points`).toBeGreaterThanOrEqual(20);
    const names = bodies.map((b) => b.name as string);
    expect(names.some((n) => /\P{ASCII}/u.test(n))).toBe(true);
    expect(names.some((n) => /\p{Extended_Pictographic}/u.test(n))).toBe(true);
    expect(names.some((n) => /\p{M}/u.test(n))).toBe(true);
    expect(names.some((n) => /^ .*\S.* $/.test(n))).toBe(true);
    const emails = bodies.map((b) => b.email as string);
    expect(emails.some((e) => /^[^@]+\+[^@]+@/.test(e))).toBe(true);
    expect(emails.some((e) => /^[^@]*[A-Z][^@]*@/.test(e))).toBe(true);
    expect(emails.some((e) => /@[^@]*-[^@]*$/.test(e))).toBe(true);
    expect(emails.some((e) => /^[^@]*\.[^@]*@/.test(e))).toBe(true);
    // absent and present optional property
    expect(new Set(bodies.map((b) => "is_developer" in b))).toEqual(new Set([true, false]));
  });

  it("a custom role never carries its readOnly name; it brings the custom role's x-may-refuse", () => {
    const custom = sample(positiveCases(doc, "createUser")).filter((c) => c.covers.includes("branch body.role#1"));
    expect(custom.length).toBeGreaterThan(0);
    for (const c of custom) {
      expect((c.body as { json: { role: Obj } }).json.role).not.toHaveProperty("name");
      expect(c.mayRefuse.map((r) => r.statuses.join())).toEqual(["409", "400,422"]);
    }
  });

  it("listUsers: query strings with % _ + . space and non-ASCII, limits at the bounds, optional parameters absent", () => {
    const cases = sample(positiveCases(doc, "listUsers"));
    const emails = cases.flatMap((c) => c.query.filter(([n]) => n === "email").map(([, v]) => v));
    for (const ch of ["%", "_", "+", ".", " "])
      expect(
        emails.some((e) => e.includes(ch)),
        ch,
      ).toBe(true);
    expect(emails.some((e) => /\P{ASCII}/u.test(e))).toBe(true);
    const limits = cases.flatMap((c) => c.query.filter(([n]) => n === "limit").map(([, v]) => Number(v)));
    for (const n of [1, 2, 50, 99, 100])
      expect(limits.filter((l) => l === n).length, `limit=${n}`).toBeGreaterThanOrEqual(8);
    expect(cases.some((c) => c.query.length === 0)).toBe(true);
    const statusLists = cases
      .map((c) => c.query.filter(([n]) => n === "status").map(([, v]) => v))
      .filter((s) => s.length);
    expect(new Set(statusLists.map((s) => s.length))).toEqual(new Set([1, 2, 3]));
    for (const s of statusLists) expect(new Set(s).size).toBe(s.length);
    expect(cases.find((c) => c.query.some(([n]) => n === "cursor"))?.mayRefuse.map((r) => r.statuses.join())).toEqual([
      "400",
    ]);
  });

  it("path ids match the Id pattern; the operation's and the parameter's x-may-refuse come along", () => {
    for (const c of sample(positiveCases(doc, "resendInvitation"), 50)) {
      expect(c.path.user_id).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(c.mayRefuse.map((r) => r.statuses.join()).sort()).toEqual(["400", "404"]);
    }
  });

  it("updateUser: a non-blank name, sometimes with spaces around; both anyOf branches", () => {
    const bodies = sample(positiveCases(doc, "updateUser")).map((c) => (c.body as { json: Obj }).json);
    expect(bodies.every((b) => "name" in b || "is_developer" in b)).toBe(true);
    expect(bodies.some((b) => typeof b.name === "string" && /^ \S.* $/u.test(b.name))).toBe(true);
  });

  it("1000 createUser cases take well under a second", () => {
    const arb = positiveCases(doc, "createUser");
    const start = performance.now();
    fc.sample(arb, { numRuns: 1000, seed: SEED });
    const ms = performance.now() - start;
    console.log(`1000 createUser cases in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
  });
});

/** The errors a negative case may cause: inside its location, or inside the oneOf/anyOf it sits in. */
function scopeOf(c: Constraint, all: Constraint[]): string {
  const alt = all.filter(
    (o) =>
      o.operationId === c.operationId &&
      (o.keyword === "oneOf" || o.keyword === "anyOf") &&
      c.id.includes(`(${o.keyword}#`) &&
      (c.location === o.location || c.location.startsWith(`${o.location}.`)),
  );
  return alt.map((o) => o.location).sort((a, b) => a.length - b.length)[0] ?? c.location;
}
const within = (location: string, scope: string) =>
  location === scope || location.startsWith(`${scope}.`) || location.startsWith(`${scope}[]`);

describe("negative cases of the real spec", () => {
  it.each(OPS)("%s: each fails Ajv at its constraint (keyword and location) and nowhere else", (op) => {
    const all = constraintsOf(doc);
    const cases = negativeCases(doc, op);
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      const errors = errorsOf(doc, c);
      const label = `${c.constraint.id}: ${c.description}`;
      expect(
        errors.some(
          (e) =>
            e.location === c.constraint.location &&
            (e.keyword === c.constraint.keyword || (c.constraint.keyword === "false" && e.keyword === "false schema")),
        ),
        `${label} → ${JSON.stringify(errors)}`,
      ).toBe(true);
      const scope = scopeOf(c.constraint, all);
      expect(
        errors.filter((e) => !within(e.location, scope)),
        label,
      ).toEqual([]);
      expect(c.covers).toEqual([]);
    }
  });

  it.each(OPS)("%s: the base the cases start from is valid", (op) => {
    const { params, body } = partsOf(doc, op);
    for (const schema of [...params.map((p) => p.schema), ...(body === undefined ? [] : [body])])
      expect(validate(schema, minimalValue(schema, "x"))).toEqual([]);
  });

  it("every constraint of the spec has a negative case, or says why it cannot be sent", () => {
    const all = constraintsOf(doc);
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    const broken = new Set(OPS.flatMap((op) => negativeCases(doc, op)).map((c) => c.constraint.id));
    for (const c of all) expect(broken.has(c.id), c.id).toBe(c.unsendable === undefined);
    const unsendable = all.filter((c) => c.unsendable).map((c) => c.id);
    expect(unsendable).toEqual([
      "listUsers query.cursor type",
      "listUsers query.email type",
      "listUsers query.status type",
      "listUsers query.status minItems",
      "listUsers query.status[] type",
      ...["getUser", "deleteUser", "updateUser", "resendInvitation", "resetPassword"].flatMap((op) => [
        `${op} path.user_id required`,
        `${op} path.user_id type`,
        `${op} path.user_id minLength`,
      ]),
    ]);
    expect(all.find((c) => c.id === "listUsers query.status minItems")?.unsendable).toMatch(/status=.*empty item/);
  });

  it("ids are stable and name operation, location, keyword (and the property or branch)", () => {
    const ids = constraintsOf(doc).map((c) => c.id);
    for (const id of [
      "createUser body required name",
      "createUser body.role.name enum (oneOf#0)",
      "createUser body.role.id pattern (oneOf#1)",
      "createUser body.role oneOf",
      "updateUser body anyOf",
      "listUsers query.cursor minLength",
      "listUsers query.status[] enum",
      "createUser body mediaType",
      "updateUser body.name pattern (anyOf#0)",
    ]) {
      expect(ids).toContain(id);
    }
  });

  it("cases say in words what they break, and start from one valid base", () => {
    const cases = negativeCases(doc, "createUser");
    const of = (id: string) => cases.filter((c) => c.constraint.id === id);
    expect(of("createUser body.name maxLength").map((c) => c.description)).toEqual([
      "body.name of 256 characters (maxLength 255)",
    ]);
    expect(
      of("createUser body.role.name enum (oneOf#0)").map((c) => (c.body as { json: { role: Obj } }).json.role.name),
    ).toEqual(["no-such-value", "ADMIN"]);
    expect(of("createUser body.role oneOf").map((c) => (c.body as { json: Obj }).json.role)).toEqual([
      {},
      { type: "no-such-branch", name: "admin" },
    ]);
    expect(of("createUser body mediaType")[0]?.body).toEqual({ raw: '{"name": ', contentType: "application/json" });
    expect(of("createUser body required")[0]?.body).toBeUndefined();
    expect(of("createUser body type").map((c) => (c.body as { json: unknown }).json)).toContainEqual([]);
    const update = negativeCases(doc, "updateUser");
    expect(
      update.filter((c) => c.constraint.id === "updateUser body anyOf").map((c) => (c.body as { json: unknown }).json),
    ).toEqual([{}]);
    expect(
      update
        .filter((c) => c.constraint.id === "updateUser body type (anyOf#0)")
        .map((c) => (c.body as { json: unknown }).json),
    ).toContainEqual([]);
    expect(
      negativeCases(doc, "listUsers")
        .filter((c) => c.constraint.id === "listUsers query.status[] enum")
        .map((c) => c.query),
    ).toEqual([[["status", "no-such-value"]], [["status", "ACTIVE"]], [["status", ""]]]);
    expect(
      negativeCases(doc, "listUsers")
        .filter((c) => c.constraint.keyword === "type")
        .map((c) => c.query),
    ).toEqual([[["limit", "not-a-number"]], [["limit", "50.5"]]]);
    // deterministic
    expect(negativeCases(doc, "createUser")).toEqual(cases);
  });
});

// ---- small inline specs ----------------------------------------------------------------------------

const spec = (paths: Obj): Doc => ({ openapi: "3.1.0", info: { title: "t", version: "1" }, paths });
const refuse = (s: string) => ({ statuses: [s], reason: `reason ${s}` });
const THING: Obj = {
  type: "object",
  required: ["kind", "tags"],
  additionalProperties: false,
  properties: {
    kind: {
      oneOf: [
        {
          type: "object",
          required: ["k"],
          properties: { k: { const: "a" }, n: { type: "number", minimum: 0.5, maximum: 2 } },
        },
        {
          type: "object",
          required: ["k", "at"],
          "x-may-refuse": refuse("422"),
          properties: {
            k: { const: "b" },
            at: { type: "string", format: "date-time" },
            secret: { type: "string", readOnly: true },
          },
        },
      ],
    },
    tags: {
      type: "array",
      minItems: 1,
      maxItems: 2,
      uniqueItems: true,
      items: { type: "string", minLength: 2, maxLength: 3, pattern: "^[a-z]+$" },
    },
    gone: false,
    flag: { type: "boolean", default: false },
  },
};
const inline = spec({
  "/things/{id}": {
    post: {
      operationId: "makeThing",
      "x-may-refuse": refuse("409"),
      parameters: [
        { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1, maximum: 9 } },
        {
          name: "mode",
          in: "query",
          required: true,
          "x-may-refuse": refuse("400"),
          schema: { type: "string", enum: ["x", "y"] },
        },
      ],
      requestBody: { content: { "application/json": { schema: THING } } },
    },
  },
});

describe("inline specs", () => {
  it("positive cases validate, reach every key, and carry the x-may-refuse they pass through", () => {
    const cases = sample(positiveCases(inline, "makeThing"));
    for (const c of cases) {
      expect(errorsOf(inline, c)).toEqual([]);
      const body = c.body && "json" in c.body ? (c.body.json as Obj) : undefined;
      expect(body ?? {}).not.toHaveProperty("gone");
      expect((body?.kind as Obj | undefined) ?? {}).not.toHaveProperty("secret");
      const statuses = c.mayRefuse.map((r) => r.statuses[0]);
      expect(statuses.slice(0, 2)).toEqual(["409", "400"]);
      expect(statuses.includes("422")).toBe(c.covers.includes("branch body.kind#1"));
    }
    const reached = new Set(cases.flatMap((c) => c.covers));
    const { enumValues, branches } = coverageKeys(inline);
    expect([...enumValues, ...branches]).toEqual([
      "enum query.mode=x",
      "enum query.mode=y",
      "branch body.kind#0",
      "branch body.kind#1",
    ]);
    for (const k of [...enumValues, ...branches]) expect(reached).toContain(k);
    expect(cases.some((c) => c.body === undefined)).toBe(true); // the body is optional
    expect(new Set(cases.map((c) => c.path.id))).toEqual(new Set(["1", "2", "3", "4", "5", "6", "7", "8", "9"]));
  });

  it("negative cases fail Ajv at their constraint; unsendable ones are flagged", () => {
    const cs = constraintsOf(inline);
    expect(cs.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        "makeThing body additionalProperties",
        "makeThing body.gone false",
        "makeThing body.tags uniqueItems",
        "makeThing body.tags maxItems",
        "makeThing body.tags minItems",
        "makeThing body.kind.at format (oneOf#1)",
        "makeThing body.kind.n minimum (oneOf#0)",
        "makeThing query.mode required",
      ]),
    );
    expect(cs.find((c) => c.id === "makeThing path.id required")?.unsendable).toMatch(/route/);
    const cases = negativeCases(inline, "makeThing");
    for (const c of cases) {
      const errors = errorsOf(inline, c);
      expect(
        errors.some(
          (e) =>
            e.location === c.constraint.location &&
            (e.keyword === c.constraint.keyword || (c.constraint.keyword === "false" && e.keyword === "false schema")),
        ),
        `${c.constraint.id} → ${JSON.stringify(errors)}`,
      ).toBe(true);
    }
    expect(new Set(cases.map((c) => c.constraint.id))).toEqual(
      new Set(cs.filter((c) => !c.unsendable).map((c) => c.id)),
    );
    expect(cases.find((c) => c.constraint.id === "makeThing path.id type")?.path.id).toBe("not-a-number");
    expect(cases.find((c) => c.constraint.id === "makeThing query.mode required")?.query).toEqual([]);
  });

  it("arbitraryFor: boundary lengths and values, distinct enum arrays, allOf merged", () => {
    const lengths = new Set(
      sample(arbitraryFor({ type: "string", minLength: 2, maxLength: 10 }, "x")).map(
        (g) => [...(g.value as string)].length,
      ),
    );
    for (const n of [2, 3, 9, 10]) expect(lengths).toContain(n);
    const ints = new Set(sample(arbitraryFor({ type: "integer", minimum: -5, maximum: 5 }, "x")).map((g) => g.value));
    for (const n of [-5, -4, 0, 4, 5]) expect(ints).toContain(n);
    const arrays = sample(arbitraryFor({ type: "array", minItems: 1, items: { enum: ["p", "q", "r"] } }, "x"));
    expect(new Set(arrays.map((g) => (g.value as string[]).length))).toEqual(new Set([1, 2, 3]));
    const merged: Schema = { allOf: [{ type: "string", maxLength: 4 }, { pattern: "\\S" }, { minLength: 2 }] };
    for (const g of sample(arbitraryFor(merged, "x"))) expect(validate(merged, g.value)).toEqual([]);
    expect(minimalValue(merged, "x")).toBe("aa");
  });

  it("arbitraryFor throws, naming keyword and location, on what it does not support", () => {
    expect(() => arbitraryFor({ type: "string", contentEncoding: "base64" }, "body.x")).toThrow(
      'unsupported keyword "contentEncoding" at body.x',
    );
    expect(() => arbitraryFor({ type: "string", format: "ipv4" }, "body.y")).toThrow(
      'unsupported keyword "format: ipv4" at body.y',
    );
    expect(() => arbitraryFor({ type: "object", additionalProperties: { type: "string" } }, "body")).toThrow(
      /"additionalProperties" .* at body/,
    );
    expect(() => arbitraryFor({ allOf: [{ maxLength: 3 }, { maxLength: 4 }] }, "body.z")).toThrow(
      /cannot merge allOf at body.z: "maxLength"/,
    );
    expect(() =>
      arbitraryFor({ type: "object", required: ["s"], properties: { s: { type: "string", readOnly: true } } }, "body"),
    ).toThrow(/required property "s"/);
    expect(() => positiveCases(inline, "nope")).toThrow("no operation nope in the spec");
    const header = spec({
      "/h": { get: { operationId: "h", parameters: [{ name: "X", in: "header", schema: { type: "string" } }] } },
    });
    expect(() => positiveCases(header, "h")).toThrow('unsupported parameter location "header"');
  });
});
