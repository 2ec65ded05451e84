// Valid values for the JSON Schema 2020-12 subset the spec uses, as fast-check arbitraries biased
// toward the edges (boundary lengths and bounds, non-ASCII text, every enum value and branch), and
// the one deterministic minimal value each schema admits (the base negative cases start from).
// A keyword outside the subset throws, naming it: a spec change never silently weakens generation.
//
// Lengths are counted in Unicode code points, as Ajv does (ucs2length) and as JSON Schema says:
// an emoji outside the BMP is one character, a combining mark is one character of its own.
import fc from "fast-check";
import type { MayRefuse } from "./spec.ts";

export type Schema = boolean | Obj;
type Obj = Record<string, unknown>;

/** A generated value, the coverage keys it reached and the refusals (x-may-refuse) it passed. */
export interface Generated {
  value: unknown;
  covers: string[];
  mayRefuse: MayRefuse[];
}

const ANNOTATIONS = [
  "description",
  "title",
  "examples",
  "example",
  "default",
  "deprecated",
  "readOnly",
  "writeOnly",
  "discriminator",
  "externalDocs",
  "xml",
  "$comment",
];
const ASSERTIONS = [
  "type",
  "properties",
  "required",
  "enum",
  "const",
  "oneOf",
  "anyOf",
  "allOf",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "pattern",
  "format",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "additionalProperties",
];
const KNOWN = new Set([...ANNOTATIONS, ...ASSERTIONS]);
const FORMATS = new Set(["email", "date-time", "password", "uri-reference"]);

const obj = (s: Schema): Obj => (typeof s === "object" ? s : {});
export const codePoints = (s: string): number => [...s].length;
export const regexOf = (pattern: string): RegExp => new RegExp(pattern, "u"); // as Ajv compiles it

/** The keywords checked and allOf merged into one schema (only the top level; children on their turn). */
export function normalize(schema: Schema, location: string): Schema {
  if (typeof schema === "boolean") return schema;
  if (typeof schema !== "object" || schema === null)
    throw new Error(`${location}: a schema must be an object or a boolean, got ${JSON.stringify(schema)}`);
  for (const k of Object.keys(schema)) {
    if (!k.startsWith("x-") && !KNOWN.has(k)) throw new Error(`unsupported keyword "${k}" at ${location}`);
  }
  if (schema.format !== undefined && !FORMATS.has(schema.format as string))
    throw new Error(`unsupported keyword "format: ${String(schema.format)}" at ${location}`);
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false)
    throw new Error(`unsupported keyword "additionalProperties" (other than false) at ${location}`);
  if (Array.isArray(schema.type)) throw new Error(`unsupported keyword "type" with a list of types at ${location}`);
  if (!schema.allOf) return schema;
  const { allOf, ...rest } = schema;
  return (allOf as Schema[]).reduce<Schema>(
    (acc, s) => merge(acc, normalize(s, location), location),
    normalize(rest, location),
  );
}

function merge(a: Schema, b: Schema, location: string): Schema {
  if (a === false || b === false) return false;
  if (a === true) return b;
  if (b === true) return a;
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (!(k in out) || ANNOTATIONS.includes(k)) out[k] ??= v;
    else if (k === "required") out[k] = [...new Set([...(out[k] as string[]), ...(v as string[])])];
    else if (k === "properties") {
      const props = { ...(out[k] as Obj) };
      for (const [name, s] of Object.entries(v as Obj)) props[name] = name in props ? { allOf: [props[name], s] } : s;
      out[k] = props;
    } else if (JSON.stringify(out[k]) !== JSON.stringify(v))
      throw new Error(
        `cannot merge allOf at ${location}: "${k}" is ${JSON.stringify(out[k])} and ${JSON.stringify(v)}`,
      );
  }
  return out;
}

/** The branches of a oneOf/anyOf, each merged with the keywords beside it. */
export function branchesOf(s: Obj, location: string): { keyword: "oneOf" | "anyOf"; branches: Schema[] } | undefined {
  const keyword = s.oneOf ? "oneOf" : s.anyOf ? "anyOf" : undefined;
  if (!keyword) return undefined;
  if (s.oneOf && s.anyOf) throw new Error(`unsupported: oneOf and anyOf side by side at ${location}`);
  const { [keyword]: branches, ...rest } = s;
  return { keyword, branches: (branches as Schema[]).map((b) => normalize({ allOf: [rest, b] }, location)) };
}

/** The properties a request may carry: readOnly ones and `false` ones never go out. */
export function sendableProperties(s: Obj, location: string): [string, Schema][] {
  const props = Object.entries((s.properties ?? {}) as Record<string, Schema>).filter(
    ([, p]) => p !== false && !obj(p).readOnly,
  );
  for (const r of (s.required ?? []) as string[]) {
    if (!props.some(([n]) => n === r))
      throw new Error(`${location}: required property "${r}" has no sendable schema (absent, readOnly or false)`);
  }
  return props;
}

const keyOf = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
export const enumKey = (location: string, v: unknown) => `enum ${location}=${keyOf(v)}`;
export const branchKey = (location: string, i: number) => `branch ${location}#${i}`;
const refusalOf = (s: Obj): MayRefuse[] => (s["x-may-refuse"] ? [s["x-may-refuse"] as MayRefuse] : []);
const leaf = (value: unknown, covers: string[] = []): Generated => ({ value, covers, mayRefuse: [] });
const uniq = <T>(xs: T[]) => [...new Set(xs)];

// ---- text ------------------------------------------------------------------------------------

const chars = (s: string) => fc.constantFrom(...[...s]);
/** Characters by kind: mostly ASCII, with the kinds servers trip on (and query strings mangle). */
const CHAR = fc.oneof(
  { weight: 6, arbitrary: chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") },
  { weight: 2, arbitrary: chars(" %_+.-@&=#/?'\"") },
  { weight: 1, arbitrary: chars("éèüñçÅøßÉ") }, // accents, precomposed
  { weight: 1, arbitrary: chars("漢字中文日本語한국") }, // CJK
  { weight: 1, arbitrary: chars("😀🎉🚀👍🏽🧑") }, // emoji outside the BMP (one code point each)
  { weight: 1, arbitrary: chars("\u0301\u0308\u0327") }, // combining marks
  { weight: 1, arbitrary: chars("שלוםمرحبا") }, // right-to-left
);
const text = (n: number) => fc.array(CHAR, { minLength: n, maxLength: n }).map((cs) => cs.join(""));

/** A length in [min, max], at min, min+1, max−1 and max often. */
function lengthArb(min: number, max: number): fc.Arbitrary<number> {
  const edges = uniq([min, min + 1, max - 1, max]).filter((n) => n >= min && n <= max);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...edges) },
    { weight: 2, arbitrary: fc.integer({ min, max: Math.min(max, min + 40) }) },
    { weight: 1, arbitrary: fc.integer({ min, max }) },
  );
}

/** Text of n code points; now and then wrapped in spaces (a name a server should strip, not refuse). */
const textOf = (n: number) =>
  n >= 3
    ? fc.oneof({ weight: 4, arbitrary: text(n) }, { weight: 1, arbitrary: text(n - 2).map((t) => ` ${t} `) })
    : text(n);

const WORD = fc.string({ unit: chars("abcdefghijklmnopqrstuvwxyz0123456789"), minLength: 1, maxLength: 8 });
/**
 * Addresses that pass ajv-formats' `email` (full mode, which Prism uses too): dotted local parts,
 * plus tags, digits, upper case, hyphenated subdomains of example.com.
 */
const EMAIL = fc
  .record({
    parts: fc.array(WORD, { minLength: 1, maxLength: 3 }),
    tag: fc.option(WORD, { nil: undefined }),
    letterCase: fc.constantFrom("lower", "lower", "upper", "capital"),
    domain: fc.constantFrom("example.com", "x.example.com", "mail-1.example.com", "a-b.c.example.com"),
  })
  .map(({ parts, tag, letterCase, domain }) => {
    let local = parts.join(".") + (tag === undefined ? "" : `+${tag}`);
    if (letterCase === "upper") local = local.toUpperCase();
    if (letterCase === "capital") local = local[0]!.toUpperCase() + local.slice(1);
    return `${local}@${domain}`;
  });

/** Strings with no maxLength are generated up to this many code points past minLength. */
export const UNBOUNDED_EXTRA = 32;

function stringArb(s: Obj, location: string): fc.Arbitrary<string> {
  const min = (s.minLength as number | undefined) ?? 0;
  const max = (s.maxLength as number | undefined) ?? min + UNBOUNDED_EXTRA;
  if (min > max) throw new Error(`${location}: minLength ${min} > maxLength ${max}`);
  const fits = (v: string) =>
    codePoints(v) >= min && codePoints(v) <= max && (s.pattern === undefined || regexOf(s.pattern as string).test(v));
  let arb: fc.Arbitrary<string>;
  if (s.format === "email") arb = EMAIL;
  else if (s.format === "date-time")
    arb = fc
      .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
      .map((d) => d.toISOString());
  else if (s.format === "uri-reference")
    arb = fc.constantFrom("about:blank", "/v2/problems/x", "https://example.com/p?q=1#f");
  else if (typeof s.pattern === "string" && s.pattern.startsWith("^") && s.pattern.endsWith("$"))
    arb = fc.stringMatching(regexOf(s.pattern));
  else arb = lengthArb(min, max).chain(textOf);
  return arb.filter(fits);
}

function integerArb(s: Obj): fc.Arbitrary<number> {
  const lo = s.minimum as number | undefined;
  const hi = s.maximum as number | undefined;
  const min = Math.ceil(lo ?? (hi === undefined ? -1000 : hi - 1000));
  const max = Math.floor(hi ?? min + 2000);
  const edges = uniq([min, min + 1, Math.floor((min + max) / 2), max - 1, max]).filter((n) => n >= min && n <= max);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...edges) },
    { weight: 2, arbitrary: fc.integer({ min, max }) },
  );
}

// ---- values ------------------------------------------------------------------------------------

/** Valid values of `schema`; `location` names it in coverage keys and errors ("body.role.name"). */
export function arbitraryFor(schema: Schema, location: string): fc.Arbitrary<Generated> {
  const s = normalize(schema, location);
  if (typeof s === "boolean") throw new Error(`${location}: cannot generate from the boolean schema ${s}`);
  const refusals = refusalOf(s);
  const withRefusals = (g: Generated): Generated =>
    refusals.length ? { ...g, mayRefuse: [...refusals, ...g.mayRefuse] } : g;
  return valuesOf(s, location).map(withRefusals);
}

function valuesOf(s: Obj, location: string): fc.Arbitrary<Generated> {
  const alt = branchesOf(s, location);
  if (alt) {
    return fc.oneof(
      ...alt.branches.map((b, i) =>
        arbitraryFor(b, location).map((g) => ({ ...g, covers: [branchKey(location, i), ...g.covers] })),
      ),
    );
  }
  if ("const" in s) return fc.constant(leaf(s.const));
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum).map((v) => leaf(v, [enumKey(location, v)]));
  switch (s.type) {
    case "string":
      return stringArb(s, location).map((v) => leaf(v));
    case "integer":
      return integerArb(s).map((v) => leaf(v));
    case "number":
      return fc
        .double({ min: (s.minimum as number) ?? -1e6, max: (s.maximum as number) ?? 1e6, noNaN: true })
        .map((v) => leaf(v));
    case "boolean":
      return fc.boolean().map((v) => leaf(v));
    case "array":
      return arrayArb(s, location);
    case "object":
      return objectArb(s, location);
    default:
      throw new Error(
        `${location}: cannot generate a value without a type, const or enum (type ${JSON.stringify(s.type)})`,
      );
  }
}

function arrayArb(s: Obj, location: string): fc.Arbitrary<Generated> {
  const at = `${location}[]`;
  const items = normalize((s.items ?? true) as Schema, at);
  const minItems = (s.minItems as number | undefined) ?? 0;
  const values = typeof items === "object" && Array.isArray(items.enum) ? (items.enum as unknown[]) : undefined;
  if (values) {
    // 1…n distinct values, in any order: every value alone, together, and every order reachable.
    const maxItems = Math.min((s.maxItems as number | undefined) ?? values.length, values.length);
    return fc.shuffledSubarray(values, { minLength: Math.max(minItems, 1), maxLength: maxItems }).map((vs) =>
      leaf(
        vs,
        vs.map((v) => enumKey(at, v)),
      ),
    );
  }
  const maxItems = (s.maxItems as number | undefined) ?? minItems + 3;
  const item = arbitraryFor(items, at);
  const arr = s.uniqueItems
    ? fc.uniqueArray(item, { minLength: minItems, maxLength: maxItems, selector: (g) => JSON.stringify(g.value) })
    : fc.array(item, { minLength: minItems, maxLength: maxItems });
  return arr.map((gs) => ({
    value: gs.map((g) => g.value),
    covers: gs.flatMap((g) => g.covers),
    mayRefuse: gs.flatMap((g) => g.mayRefuse),
  }));
}

function objectArb(s: Obj, location: string): fc.Arbitrary<Generated> {
  const props = sendableProperties(s, location);
  const required = (s.required ?? []) as string[];
  const record = fc.record(
    Object.fromEntries(props.map(([name, p]) => [name, arbitraryFor(p, `${location}.${name}`)])),
    { requiredKeys: required },
  );
  return record.map((r) => {
    const gs = Object.entries(r as Record<string, Generated>);
    return {
      value: Object.fromEntries(gs.map(([k, g]) => [k, g.value])),
      covers: gs.flatMap(([, g]) => g.covers),
      mayRefuse: gs.flatMap(([, g]) => g.mayRefuse),
    };
  });
}

// ---- the minimal value ---------------------------------------------------------------------------

/**
 * One valid value, the same every time: a const, the first enum value, the first example, the
 * default, the lower bound, "a"s; objects with their required properties only; the first branch.
 */
export function minimalValue(schema: Schema, location: string): unknown {
  const s = normalize(schema, location);
  if (typeof s === "boolean") throw new Error(`${location}: no minimal value of the boolean schema ${s}`);
  const alt = branchesOf(s, location);
  if (alt) return minimalValue(alt.branches[0]!, location);
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const example = Array.isArray(s.examples) && s.examples.length ? s.examples[0] : (s.example ?? s.default);
  if (example !== undefined && s.type !== "object" && s.type !== "array") return example;
  switch (s.type) {
    case "string":
      return minimalString(s, location);
    case "integer":
    case "number":
      return (s.minimum as number | undefined) ?? Math.min(0, (s.maximum as number | undefined) ?? 0);
    case "boolean":
      return true;
    case "array": {
      const items = normalize((s.items ?? true) as Schema, `${location}[]`);
      const n = Math.max((s.minItems as number | undefined) ?? 1, 1);
      if (typeof items === "object" && Array.isArray(items.enum)) return items.enum.slice(0, n);
      if (n > 1 && s.uniqueItems)
        throw new Error(`${location}: no minimal value for uniqueItems with minItems ${n} and no enum items`);
      return Array.from({ length: n }, () => minimalValue(items, `${location}[]`));
    }
    case "object": {
      sendableProperties(s, location);
      const props = (s.properties ?? {}) as Record<string, Schema>;
      return Object.fromEntries(
        ((s.required ?? []) as string[]).map((r) => [r, minimalValue(props[r]!, `${location}.${r}`)]),
      );
    }
    default:
      throw new Error(`${location}: no minimal value without a type, const or enum`);
  }
}

function minimalString(s: Obj, location: string): string {
  if (s.format === "email") return "user@example.com";
  if (s.format === "date-time") return "2024-01-01T00:00:00Z";
  if (s.format === "uri-reference") return "about:blank";
  const plain = "a".repeat(Math.max((s.minLength as number | undefined) ?? 0, 1));
  if (s.pattern === undefined || regexOf(s.pattern as string).test(plain)) return plain;
  const [found] = fc.sample(stringArb(s, location), { numRuns: 1, seed: 1 });
  if (found === undefined) throw new Error(`${location}: no string found for pattern ${String(s.pattern)}`);
  return found;
}
