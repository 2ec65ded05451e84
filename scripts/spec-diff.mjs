// What a spec change does to existing callers: a diff of two dereferenced OpenAPI 3.1 documents.
// Our own, because no npm-installable diff tool handles 3.1 without telemetry (see README,
// "Breaking changes"). It knows what this client's callers depend on: operations, parameters,
// request bodies, response statuses, headers and schemas. A request may only get more lenient, a
// response only stricter; anything else is breaking.
import { bundleFromString, createConfig } from "@redocly/openapi-core";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Parses and dereferences a spec given as YAML/JSON text; a clear error when it is not one. */
export async function loadSpecText(source, name = "spec") {
  const config = await createConfig({});
  let result;
  try {
    result = await bundleFromString({ source, absoluteRef: `/${name}.yaml`, config, dereference: true });
  } catch (e) {
    throw new Error(`${name}: not a readable OpenAPI document (${e.message})`);
  }
  const errors = result.problems.filter((p) => p.severity === "error");
  const doc = result.bundle.parsed;
  if (errors.length) throw new Error(`${name}: ${errors.map((p) => p.message).join("; ")}`);
  if (!doc || typeof doc !== "object" || !doc.paths) throw new Error(`${name}: no OpenAPI paths in it`);
  return doc;
}

/** Every operation as "GET /path" → { id, op, params }, path-level parameters merged in. */
function operations(doc) {
  const ops = new Map();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS.filter((m) => item[m])) {
      const op = item[method];
      const params = new Map();
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) params.set(`${p.in} ${p.name}`, p);
      ops.set(`${method.toUpperCase()} ${path}`, { id: op.operationId, op, params });
    }
  }
  return ops;
}

const list = (values) => values.map((v) => `\`${JSON.stringify(v)}\``).join(", ");
const typesOf = (s) => new Set([s.type ?? []].flat().concat(s.nullable ? ["null"] : []));
// Constraints whose value going up makes a request stricter (minimum) or more lenient (maximum).
const LOWER_BOUNDS = ["minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties"];
const UPPER_BOUNDS = ["maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties"];

/**
 * Compares two schemas where `dir` is "request" (callers send it: it must not get stricter) or
 * "response" (callers read it: it must not get looser). Calls add(breaking, words) per change.
 */
function diffSchema(a, b, dir, where, add, seen = new Set()) {
  if (typeof a !== "object" || typeof b !== "object" || !a || !b || seen.has(a)) return;
  seen.add(a);
  const req = dir === "request";
  // In a request, narrowing breaks callers; in a response, widening does.
  const narrowed = (what) => add(req, `${where}: ${what}`);
  const widened = (what) => add(!req, `${where}: ${what}`);

  const [ta, tb] = [typesOf(a), typesOf(b)];
  if (ta.size && tb.size) {
    const gone = [...ta].filter((t) => !tb.has(t));
    const added = [...tb].filter((t) => !ta.has(t));
    if (gone.length) narrowed(`type ${gone.join(", ")} no longer allowed`);
    if (added.length) widened(`type ${added.join(", ")} now allowed`);
  }
  if (a.enum && b.enum) {
    const gone = a.enum.filter((v) => !b.enum.some((w) => w === v));
    const added = b.enum.filter((v) => !a.enum.some((w) => w === v));
    if (gone.length) narrowed(`value ${list(gone)} removed from the enum`);
    if (added.length) widened(`value ${list(added)} added to the enum`);
  } else if (b.enum) narrowed(`now limited to ${list(b.enum)}`);
  else if (a.enum) widened(`no longer limited to ${list(a.enum)}`);
  if ("const" in a || "const" in b) {
    if (JSON.stringify(a.const) !== JSON.stringify(b.const))
      add(true, `${where}: constant changed to ${list([b.const])}`);
  }
  for (const key of [...LOWER_BOUNDS, ...UPPER_BOUNDS]) {
    if (a[key] === b[key]) continue;
    const stricter =
      b[key] !== undefined &&
      (a[key] === undefined || (LOWER_BOUNDS.includes(key) ? b[key] > a[key] : b[key] < a[key]));
    (stricter ? narrowed : widened)(`${key} ${a[key] ?? "none"} → ${b[key] ?? "none"}`);
  }
  for (const key of ["pattern", "format"]) {
    if (a[key] !== b[key])
      (b[key] === undefined ? widened : narrowed)(`${key} ${a[key] ?? "none"} → ${b[key] ?? "none"}`);
  }

  // Properties. Response: a field gone or no longer guaranteed breaks readers. Request: a field
  // gone, or newly required, breaks senders.
  const [pa, pb] = [a.properties ?? {}, b.properties ?? {}];
  const [ra, rb] = [new Set(a.required ?? []), new Set(b.required ?? [])];
  for (const name of Object.keys(pa)) {
    if (!(name in pb)) add(true, `${where}: property \`${name}\` removed`);
    else diffSchema(pa[name], pb[name], dir, `${where}.${name}`, add, seen);
  }
  for (const name of Object.keys(pb).filter((n) => !(n in pa))) {
    add(req && rb.has(name), `${where}: ${rb.has(name) ? "required" : "optional"} property \`${name}\` added`);
  }
  for (const name of Object.keys(pa).filter((n) => n in pb)) {
    if (ra.has(name) && !rb.has(name)) add(!req, `${where}: property \`${name}\` no longer required`);
    if (!ra.has(name) && rb.has(name)) add(req, `${where}: property \`${name}\` now required`);
  }
  if (a.additionalProperties !== false && b.additionalProperties === false)
    narrowed("no other properties allowed any more");
  if (a.additionalProperties === false && b.additionalProperties !== false) widened("other properties now allowed");
  diffSchema(a.additionalProperties, b.additionalProperties, dir, `${where}{*}`, add, seen);
  diffSchema(a.items, b.items, dir, `${where}[]`, add, seen);

  // Composition, alternative by alternative. One alternative fewer narrows, one more widens.
  for (const key of ["allOf", "oneOf", "anyOf"]) {
    const [xa, xb] = [a[key] ?? [], b[key] ?? []];
    for (let i = 0; i < Math.min(xa.length, xb.length); i++)
      diffSchema(xa[i], xb[i], dir, `${where} (${key}[${i}])`, add, seen);
    if (key === "allOf") {
      if (xa.length !== xb.length) add(true, `${where}: allOf ${xa.length} → ${xb.length} parts`);
    } else if (xb.length < xa.length) narrowed(`${key} alternatives ${xa.length} → ${xb.length}`);
    else if (xb.length > xa.length) widened(`${key} alternatives ${xa.length} → ${xb.length}`);
  }
}

/** Per media type: a request's gone type breaks senders; a response's new type surprises readers. */
function diffContent(ca = {}, cb = {}, dir, where, add) {
  for (const [type, media] of Object.entries(ca)) {
    if (!cb[type]) add(dir === "request", `${where}: media type ${type} removed`);
    else diffSchema(media.schema, cb[type].schema, dir, `${where} ${type}`, add);
  }
  for (const type of Object.keys(cb).filter((t) => !ca[t]))
    add(dir === "response", `${where}: media type ${type} added`);
}

/**
 * The changes from spec `a` (base) to spec `b` (new), each { breaking, operation, message },
 * breaking ones first.
 */
export function diffSpecs(a, b) {
  const changes = [];
  const [oa, ob] = [operations(a), operations(b)];
  for (const [key, { id }] of oa) {
    if (!ob.has(key)) changes.push({ breaking: true, operation: `${id} (${key})`, message: "operation removed" });
  }
  for (const [key, { id }] of ob) {
    if (!oa.has(key)) changes.push({ breaking: false, operation: `${id} (${key})`, message: "operation added" });
  }
  for (const [key, x] of oa) {
    const y = ob.get(key);
    if (!y) continue;
    const operation = `${y.id} (${key})`;
    const add = (breaking, message) => changes.push({ breaking, operation, message });
    if (x.id !== y.id) add(true, `operationId ${x.id} renamed to ${y.id}`);

    for (const [name, p] of x.params) {
      const q = y.params.get(name);
      if (!q) add(true, `parameter ${name} removed`);
      else {
        if (!p.required && q.required) add(true, `parameter ${name} now required`);
        if (p.required && !q.required) add(false, `parameter ${name} now optional`);
        diffSchema(p.schema, q.schema, "request", `parameter ${name}`, add);
      }
    }
    for (const [name, q] of y.params) {
      if (!x.params.has(name))
        add(Boolean(q.required), `${q.required ? "required" : "optional"} parameter ${name} added`);
    }

    const [ba, bb] = [x.op.requestBody, y.op.requestBody];
    if (!ba && bb) add(Boolean(bb.required), `${bb.required ? "required" : "optional"} request body added`);
    if (ba && !bb) add(true, "request body removed");
    if (ba && bb) {
      if (!ba.required && bb.required) add(true, "request body now required");
      diffContent(ba.content, bb.content, "request", "request body", add);
    }

    const [sa, sb] = [x.op.responses ?? {}, y.op.responses ?? {}];
    for (const [status, r] of Object.entries(sa)) {
      const s = sb[status];
      // A success a caller handled disappearing breaks it; a documented error going away does not.
      if (!s) {
        add(status.startsWith("2"), `response ${status} removed`);
        continue;
      }
      for (const header of Object.keys(r.headers ?? {})) {
        if (!s.headers?.[header]) add(true, `response ${status}: header ${header} removed`);
        else
          diffSchema(
            r.headers[header].schema,
            s.headers[header].schema,
            "response",
            `response ${status} header ${header}`,
            add,
          );
      }
      for (const header of Object.keys(s.headers ?? {}).filter((h) => !r.headers?.[h]))
        add(false, `response ${status}: header ${header} added`);
      diffContent(r.content, s.content, "response", `response ${status}`, add);
    }
    for (const status of Object.keys(sb).filter((s) => !sa[s])) add(false, `response ${status} added`);
  }
  return changes.sort((p, q) => Number(q.breaking) - Number(p.breaking));
}

/** One line per change, for a reviewer. */
export const describeChange = (c) => `${c.breaking ? "BREAKING  " : "compatible"}  ${c.operation}: ${c.message}`;

/** A CHANGELOG section for a release from these changes. */
export function changelogSection(heading, changes) {
  const lines = [`## ${heading}`, ""];
  for (const [title, breaking] of [
    ["Breaking changes", true],
    ["Other changes", false],
  ]) {
    const these = changes.filter((c) => c.breaking === breaking);
    if (!these.length) continue;
    lines.push(`### ${title}`, "", ...these.map((c) => `- ${c.operation}: ${c.message}`), "");
  }
  if (!changes.length) lines.push("No change to the API.", "");
  return lines.join("\n");
}
