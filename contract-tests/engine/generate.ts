// Cases from the spec: valid requests of an operation as a fast-check arbitrary (positiveCases),
// every request constraint of the spec (constraintsOf), one request per constraint that breaks
// exactly that constraint (negativeCases), and the enum values and branches a positive run must
// reach (coverageKeys). Input: the bundled, dereferenced spec (loadSpec / loadApi().doc).
import fc from "fast-check";
import { METHODS, type Doc, type MayRefuse } from "./spec.ts";
import {
  arbitraryFor,
  branchesOf,
  codePoints,
  enumKey,
  branchKey,
  minimalValue,
  normalize,
  regexOf,
  sendableProperties,
  type Generated,
  type Schema,
} from "./schema-arbitrary.ts";

export { arbitraryFor, minimalValue, type Generated, type Schema } from "./schema-arbitrary.ts";

/** One HTTP request the engine sends (path params raw, not encoded). */
export interface RequestCase {
  operationId: string;
  method: string; // upper case
  pathTemplate: string;
  path: Record<string, string>;
  query: [string, string][]; // repeated names for exploded arrays, in order
  body?: { json: unknown } | { raw: string; contentType?: string };
  /** Statuses besides 2xx a server may answer (x-may-refuse on what the case reaches), with why. */
  mayRefuse: MayRefuse[];
  /** Coverage keys reached: `enum <location>=<value>`, `branch <location>#<i>` (i from 0). */
  covers: string[];
}

export interface Constraint {
  id: string; // stable: "createUser body.role.name enum"
  operationId: string;
  location: string; // "body.role.name", "query.limit", "query.status[]", "path.user_id", "body"
  keyword: string; // the JSON Schema keyword, or required / mediaType for parameters and bodies
  value: unknown; // the keyword's value (for required: the property or parameter name)
  /** Set when no request can break this constraint alone on the wire: why. It gets no negative case. */
  unsendable?: string;
}

export interface NegativeCase extends RequestCase {
  constraint: Constraint; // the one constraint this case breaks
  description: string; // "body.name of 256 characters (maxLength 255)"
}

type Obj = Record<string, unknown>;
type Wire = "body" | "query" | "path";
interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema: Schema;
  style?: string;
  explode?: boolean;
  "x-may-refuse"?: MayRefuse;
}
interface Op {
  operationId: string;
  method: string;
  pathTemplate: string;
  params: Param[];
  body?: { schema: Schema; required: boolean };
  mayRefuse: MayRefuse[];
}

/** The operation with its parameters (path-level ones too) and JSON body; unsupported shapes throw. */
function operationOf(doc: Doc, operationId: string): Op {
  for (const [pathTemplate, item] of Object.entries((doc.paths ?? {}) as Record<string, Obj>)) {
    for (const method of METHODS) {
      const op = item[method] as Obj | undefined;
      if (op?.operationId !== operationId) continue;
      const own = (op.parameters ?? []) as Param[];
      const shared = ((item.parameters ?? []) as Param[]).filter(
        (p) => !own.some((o) => o.name === p.name && o.in === p.in),
      );
      const params = [...shared, ...own];
      for (const p of params) {
        const at = `${operationId} ${p.in}.${p.name}`;
        if (p.in !== "path" && p.in !== "query") throw new Error(`${at}: unsupported parameter location "${p.in}"`);
        if (!p.schema) throw new Error(`${at}: unsupported parameter without a schema (content)`);
        if (p.style !== undefined && p.style !== (p.in === "path" ? "simple" : "form"))
          throw new Error(`${at}: unsupported style "${p.style}"`);
        if (p.explode === false) throw new Error(`${at}: unsupported explode: false`);
      }
      const rb = op.requestBody as { required?: boolean; content?: Record<string, { schema?: Schema }> } | undefined;
      let body: Op["body"];
      if (rb) {
        const types = Object.keys(rb.content ?? {});
        const schema = rb.content?.["application/json"]?.schema;
        if (types.length !== 1 || schema === undefined)
          throw new Error(
            `${operationId} body: unsupported request body media types ${JSON.stringify(types)} (only application/json with a schema)`,
          );
        body = { schema, required: rb.required === true };
      }
      return {
        operationId,
        method: method.toUpperCase(),
        pathTemplate,
        params,
        body,
        mayRefuse: op["x-may-refuse"] ? [op["x-may-refuse"] as MayRefuse] : [],
      };
    }
  }
  throw new Error(`no operation ${operationId} in the spec`);
}

const operationIds = (doc: Doc): string[] =>
  Object.values((doc.paths ?? {}) as Record<string, Obj>).flatMap((item) =>
    METHODS.flatMap((m) => ((item[m] as Obj | undefined)?.operationId as string | undefined) ?? []),
  );

const toWire = (v: unknown, at: string): string => {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new Error(`${at}: cannot send ${JSON.stringify(v)} as a parameter value`);
};
const queryEntries = (name: string, v: unknown): [string, string][] =>
  (Array.isArray(v) ? v : [v]).map((x) => [name, toWire(x, `query.${name}`)]);
const dedupe = (rs: MayRefuse[]) => [...new Map(rs.map((r) => [JSON.stringify(r), r])).values()];
const paramRefusals = (p: Param): MayRefuse[] => (p["x-may-refuse"] ? [p["x-may-refuse"]] : []);

// ---- positive cases ----------------------------------------------------------------------------

/** Valid requests for one operation: optional parameters present and absent, arrays exploded. */
export function positiveCases(doc: Doc, operationId: string): fc.Arbitrary<RequestCase> {
  const op = operationOf(doc, operationId);
  const absent = fc.constant(undefined);
  const params = op.params.map((p) => {
    const arb = arbitraryFor(p.schema, `${p.in}.${p.name}`).map((g) => ({
      ...g,
      mayRefuse: [...paramRefusals(p), ...g.mayRefuse],
    }));
    return p.required ? arb : fc.oneof(absent, arb);
  });
  const body = op.body ? arbitraryFor(op.body.schema, "body") : absent;
  return fc
    .record({ params: fc.tuple(...params), body: op.body && !op.body.required ? fc.oneof(absent, body) : body })
    .map(({ params: values, body: b }) => {
      const c = baseCase(op);
      const reached: Generated[] = [];
      values.forEach((g, i) => {
        if (!g) return;
        reached.push(g);
        const p = op.params[i]!;
        if (p.in === "path") c.path[p.name] = toWire(g.value, `path.${p.name}`);
        else c.query.push(...queryEntries(p.name, g.value));
      });
      if (b) {
        reached.push(b);
        c.body = { json: b.value };
      }
      return {
        ...c,
        covers: reached.flatMap((g) => g.covers),
        mayRefuse: dedupe([...op.mayRefuse, ...reached.flatMap((g) => g.mayRefuse)]),
      };
    });
}

const baseCase = (op: Op): RequestCase => ({
  operationId: op.operationId,
  method: op.method,
  pathTemplate: op.pathTemplate,
  path: {},
  query: [],
  mayRefuse: [],
  covers: [],
});

// ---- constraints and the cases that break them -------------------------------------------------------

const ABSENT = Symbol("absent");
/** A body sent as these bytes, not as JSON. */
class Raw {
  constructor(readonly text: string) {}
}
interface Broken {
  constraint: Constraint;
  cases: { value: unknown; description: string }[];
}
interface Ctx {
  op: string;
  location: string;
  wire: Wire;
  /** The whole body or parameter value with `v` at this location (ABSENT: left out). */
  place: (v: unknown) => unknown;
  /** The branches passed through, for unique ids: "(oneOf#1)". */
  branch: string[];
  out: Broken[];
}

function add(
  ctx: Ctx,
  keyword: string,
  value: unknown,
  cases: [unknown, string][],
  opts: { suffix?: string; unsendable?: string } = {},
) {
  const id = [ctx.op, ctx.location, keyword, opts.suffix, ctx.branch.length ? `(${ctx.branch.join(" ")})` : ""]
    .filter(Boolean)
    .join(" ");
  const constraint: Constraint = {
    id,
    operationId: ctx.op,
    location: ctx.location,
    keyword,
    value,
    ...(opts.unsendable ? { unsendable: opts.unsendable } : {}),
  };
  ctx.out.push({
    constraint,
    cases: opts.unsendable ? [] : cases.map(([v, description]) => ({ value: ctx.place(v), description })),
  });
}

const TEXT_ONLY = "every value of a parameter is text on the wire";
const omit = (o: Obj, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/** The constraints of one schema at one location, with the values that break each. */
function walk(schema: Schema, ctx: Ctx): void {
  const s = normalize(schema, ctx.location);
  if (typeof s === "boolean") return; // `false` properties are handled by their object
  const at = ctx.location;
  const alt = branchesOf(s, at);
  if (alt) {
    const branches = alt.branches.filter((b): b is Obj => typeof b === "object");
    const cases: [unknown, string][] = [];
    if (branches.every((b) => b.type === "object" && ((b.required ?? []) as string[]).length > 0))
      cases.push([{}, `${at} an empty object (every branch requires a property)`]);
    const discriminator = Object.keys(obj(branches[0]?.properties)).find((k) =>
      branches.every((b) => "const" in obj(obj(b.properties)[k])),
    );
    if (discriminator)
      cases.push([
        { ...(minimalValue(alt.branches[0]!, at) as Obj), [discriminator]: "no-such-branch" },
        `${at} with an unknown ${discriminator} (matches no branch)`,
      ]);
    add(ctx, alt.keyword, alt.branches, cases);
    for (const [i, b] of alt.branches.entries()) walk(b, { ...ctx, branch: [...ctx.branch, `${alt.keyword}#${i}`] });
    return;
  }
  const base = minimalValue(s, at);
  const literal = ctx.wire !== "body";
  if (typeof s.type === "string") typeCases(s, base, ctx);
  if ("const" in s)
    add(ctx, "const", s.const, [[otherThan(s.const), `${at} other than the const ${JSON.stringify(s.const)}`]]);
  if (Array.isArray(s.enum)) {
    const values = s.enum as unknown[];
    const cases: [unknown, string][] = [["no-such-value", `${at} "no-such-value", not one of ${values.join(", ")}`]];
    const upper = values.find((v) => typeof v === "string" && !values.includes(v.toUpperCase()));
    if (typeof upper === "string")
      cases.push([
        upper.toUpperCase(),
        `${at} "${upper.toUpperCase()}", an allowed value upper-cased (enum values are lower case)`,
      ]);
    if (ctx.wire === "query" && at.endsWith("[]"))
      cases.push(["", `${at} an empty value (\`${at.slice(6, -2)}=\`, how an empty list would be sent)`]);
    add(ctx, "enum", values, cases);
  }
  if (typeof s.minLength === "number" && s.minLength > 0) {
    add(
      ctx,
      "minLength",
      s.minLength,
      [["a".repeat(s.minLength - 1), `${at} of ${s.minLength - 1} characters (minLength ${s.minLength})`]],
      ctx.wire === "path" && s.minLength === 1
        ? { unsendable: "an empty path segment changes the route (another resource)" }
        : {},
    );
  }
  if (typeof s.maxLength === "number")
    add(ctx, "maxLength", s.maxLength, [
      ["a".repeat(s.maxLength + 1), `${at} of ${s.maxLength + 1} characters (maxLength ${s.maxLength})`],
    ]);
  if (typeof s.pattern === "string")
    add(ctx, "pattern", s.pattern, [[patternBreaker(s, String(base)), `${at} that does not match ${s.pattern}`]]);
  if (s.format === "email")
    add(ctx, "format", "email", [
      ["not-an-email.example.com", `${at} "not-an-email.example.com" (format email: no @)`],
    ]);
  if (s.format === "date-time")
    add(ctx, "format", "date-time", [["2024-13-45T25:00:00Z", `${at} an impossible date-time (format date-time)`]]);
  if (s.format === "uri-reference") throw new Error(`${at}: no negative value for format uri-reference in a request`);
  if (typeof s.minimum === "number")
    add(ctx, "minimum", s.minimum, [[s.minimum - 1, `${at} ${s.minimum - 1} (minimum ${s.minimum})`]]);
  if (typeof s.maximum === "number")
    add(ctx, "maximum", s.maximum, [[s.maximum + 1, `${at} ${s.maximum + 1} (maximum ${s.maximum})`]]);
  if (s.type === "array") arrayConstraints(s, base as unknown[], ctx, literal);
  if (s.type === "object") objectConstraints(s, base as Obj, ctx);
}

const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});
const otherThan = (c: unknown) =>
  typeof c === "string" ? `${c}-other` : typeof c === "boolean" ? !c : typeof c === "number" ? c + 1 : "other";

function typeCases(s: Obj, base: unknown, ctx: Ctx) {
  const at = ctx.location;
  const t = s.type as string;
  if (ctx.wire !== "body") {
    if (t === "string") return add(ctx, "type", t, [], { unsendable: TEXT_ONLY });
    if (t === "array")
      return add(ctx, "type", t, [], { unsendable: "an exploded array: whatever is sent is a list of items" });
    if (t === "object") throw new Error(`${at}: unsupported object parameter`);
  }
  const cases: Record<string, [unknown, string][]> = {
    string: [[42, `${at} the number 42, not a string`]],
    integer: [
      ["not-a-number", `${at} "not-a-number", not an integer`],
      [(base as number) + 0.5, `${at} ${(base as number) + 0.5}, not an integer`],
    ],
    number: [["not-a-number", `${at} "not-a-number", not a number`]],
    boolean: [["yes", `${at} "yes", not a boolean`]],
    array: [["not-an-array", `${at} a string, not an array`]],
    object: [
      [[], `${at} a JSON array, not an object`],
      ["not-an-object", `${at} a string, not an object`],
    ],
  };
  if (!cases[t]) throw new Error(`${at}: unsupported type ${t}`);
  add(ctx, "type", t, cases[t]!);
}

/** A string that breaks the pattern and keeps the length bounds: the base with a stray "!", or blanks. */
function patternBreaker(s: Obj, base: string): string {
  const min = (s.minLength as number | undefined) ?? 0;
  const max = (s.maxLength as number | undefined) ?? Infinity;
  const re = regexOf(s.pattern as string);
  const found = [`${base}!`, `${base.slice(1)}!`, " ".repeat(Math.max(min, 1)), `!${base}`].find(
    (v) => !re.test(v) && codePoints(v) >= min && codePoints(v) <= max,
  );
  if (found === undefined)
    throw new Error(`no string breaks the pattern ${String(s.pattern)} within the length bounds`);
  return found;
}

function arrayConstraints(s: Obj, base: unknown[], ctx: Ctx, literal: boolean) {
  const at = ctx.location;
  if (typeof s.minItems === "number" && s.minItems > 0) {
    const unsendable =
      literal && s.minItems === 1
        ? `an exploded array with no items is no parameter at all (omitted, which is allowed); \`${at.slice(6)}=\` sends one empty item, which breaks the items' enum instead`
        : undefined;
    add(
      ctx,
      "minItems",
      s.minItems,
      [[base.slice(0, s.minItems - 1), `${at} with ${s.minItems - 1} items (minItems ${s.minItems})`]],
      unsendable ? { unsendable } : {},
    );
  }
  if (typeof s.maxItems === "number")
    add(ctx, "maxItems", s.maxItems, [
      [
        Array.from({ length: s.maxItems + 1 }, (_, i) => base[i % base.length]),
        `${at} with ${s.maxItems + 1} items (maxItems ${s.maxItems})`,
      ],
    ]);
  if (s.uniqueItems === true)
    add(ctx, "uniqueItems", true, [[[base[0], base[0]], `${at} with the same item twice (uniqueItems)`]]);
  if (s.items !== undefined)
    walk(s.items as Schema, { ...ctx, location: `${at}[]`, place: (v) => ctx.place(v === ABSENT ? [] : [v]) });
}

function objectConstraints(s: Obj, base: Obj, ctx: Ctx) {
  const at = ctx.location;
  for (const r of (s.required ?? []) as string[])
    add(ctx, "required", r, [[omit(base, r), `${at} without ${r}`]], { suffix: r });
  if (s.additionalProperties === false)
    add(ctx, "additionalProperties", false, [
      [{ ...base, unexpected_property: "x" }, `${at} with an undeclared property`],
    ]);
  for (const [name, p] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
    const place = (v: unknown) => ctx.place({ ...base, [name]: v });
    if (p === false)
      add({ ...ctx, location: `${at}.${name}`, place }, "false", false, [
        ["x", `${at}.${name} present (not allowed at all)`],
      ]);
  }
  for (const [name, p] of sendableProperties(s, at)) {
    walk(p, {
      ...ctx,
      location: `${at}.${name}`,
      place: (v) => ctx.place(v === ABSENT ? omit(base, name) : { ...base, [name]: v }),
    });
  }
}

/** Every constraint of an operation with its breaking values (the whole body / parameter value each). */
function brokenOf(doc: Doc, operationId: string): { op: Op; broken: (Broken & { target: Param | "body" })[] } {
  const op = operationOf(doc, operationId);
  const broken: (Broken & { target: Param | "body" })[] = [];
  for (const p of op.params) {
    const out: Broken[] = [];
    const ctx: Ctx = {
      op: operationId,
      location: `${p.in}.${p.name}`,
      wire: p.in as Wire,
      place: (v) => v,
      branch: [],
      out,
    };
    if (p.required)
      add(
        ctx,
        "required",
        p.name,
        [[ABSENT, `without the parameter ${p.name}`]],
        p.in === "path"
          ? { unsendable: "a path parameter is part of the route: without it the request is for another path" }
          : {},
      );
    walk(p.schema, ctx);
    broken.push(...out.map((b) => ({ ...b, target: p })));
  }
  if (op.body) {
    const out: Broken[] = [];
    const ctx: Ctx = { op: operationId, location: "body", wire: "body", place: (v) => v, branch: [], out };
    if (op.body.required) add(ctx, "required", "body", [[ABSENT, "no body at all (the request body is required)"]]);
    add(ctx, "mediaType", "application/json", [
      [new Raw('{"name": '), "a body that is not JSON (cut off), sent as application/json"],
    ]);
    walk(op.body.schema, ctx);
    broken.push(...out.map((b) => ({ ...b, target: "body" as const })));
  }
  const ids = new Set<string>();
  for (const { constraint } of broken) {
    if (ids.has(constraint.id)) throw new Error(`two constraints share the id "${constraint.id}"`);
    ids.add(constraint.id);
  }
  return { op, broken };
}

/** Every request constraint of every operation (parameters and bodies), unsendable ones flagged. */
export function constraintsOf(doc: Doc): Constraint[] {
  return operationIds(doc).flatMap((id) => brokenOf(doc, id).broken.map((b) => b.constraint));
}

/** One request per way of breaking each sendable constraint of the operation, all else minimal and valid. */
export function negativeCases(doc: Doc, operationId: string): NegativeCase[] {
  const { op, broken } = brokenOf(doc, operationId);
  const minimal = new Map<Param | "body", unknown>();
  for (const p of op.params) if (p.required) minimal.set(p, minimalValue(p.schema, `${p.in}.${p.name}`));
  if (op.body) minimal.set("body", minimalValue(op.body.schema, "body"));
  const refusals = dedupe([...op.mayRefuse, ...op.params.filter((p) => p.in === "path").flatMap(paramRefusals)]);

  const build = (values: Map<Param | "body", unknown>): RequestCase => {
    const c = { ...baseCase(op), mayRefuse: refusals };
    for (const [target, v] of values) {
      if (v === ABSENT) continue;
      if (target === "body") c.body = v instanceof Raw ? { raw: v.text, contentType: "application/json" } : { json: v };
      else if (target.in === "path") c.path[target.name] = toWire(v, `path.${target.name}`);
      else c.query.push(...queryEntries(target.name, v));
    }
    return c;
  };
  return broken.flatMap(({ constraint, cases, target }) =>
    cases.map(({ value, description }) => ({ ...build(new Map(minimal).set(target, value)), constraint, description })),
  );
}

/**
 * Every enum value and oneOf/anyOf branch of the request schemas (of one operation, or of all):
 * what a positive run must reach. Keys are as in RequestCase.covers, without the operation.
 */
export function coverageKeys(doc: Doc, operationId?: string): { enumValues: string[]; branches: string[] } {
  const cs =
    operationId === undefined ? constraintsOf(doc) : brokenOf(doc, operationId).broken.map((b) => b.constraint);
  const enumValues = cs
    .filter((c) => c.keyword === "enum")
    .flatMap((c) => (c.value as unknown[]).map((v) => enumKey(c.location, v)));
  const branches = cs
    .filter((c) => c.keyword === "oneOf" || c.keyword === "anyOf")
    .flatMap((c) => (c.value as unknown[]).map((_, i) => branchKey(c.location, i)));
  return { enumValues: [...new Set(enumValues)], branches: [...new Set(branches)] };
}
