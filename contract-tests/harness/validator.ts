// The independent oracle: validates a response against the bundled spec in process, with Ajv
// (JSON Schema 2020-12, the dialect of OpenAPI 3.1) — Prism validates 3.1 as draft-07 and ignores
// `discriminator`, so this second opinion catches what Prism lets through.
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
// Comes with openapi-typescript (pinned), which bundles the spec with the same library.
import { bundle, createConfig } from "@redocly/openapi-core";
import { SPEC_PATH } from "./prism.ts";

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export type Schema = Record<string, unknown>;
interface MediaType { schema?: Schema }
interface Header { required?: boolean; schema?: Schema }
export interface ResponseObject { content?: Record<string, MediaType>; headers?: Record<string, Header> }
interface OperationObject { operationId?: string; responses?: Record<string, ResponseObject> }

export const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export interface Operation {
  operationId: string;
  method: string; // upper case
  path: string; // the template, e.g. /v2/users/{user_id}
  statuses: string[]; // documented response keys, as written ("200", "4XX", "default")
}

export interface ResponseToCheck {
  operationId: string;
  status: number;
  headers: Headers | Record<string, string | undefined>;
  /** The raw body text; "" or undefined for no body. */
  body?: string;
}

export interface Validator {
  operations: Operation[];
  /** The operation a request hits, from its method and path (query string ignored). */
  operationFor(method: string, path: string): Operation | undefined;
  /** Every violation found, each naming where; [] when the response conforms. */
  validateResponse(response: ResponseToCheck): string[];
}

export const isJson = (mediaType: string) => mediaType === "application/json" || mediaType.endsWith("+json");
export const mediaTypeOf = (value: string | null | undefined) => value?.split(";")[0]?.trim().toLowerCase() ?? "";
export const getHeader = (headers: ResponseToCheck["headers"], name: string): string | null => {
  if (headers instanceof Headers) return headers.get(name);
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (headers[key] ?? null);
};

/** Picks the documented response for a status: exact, then "4XX"-style range, then default. */
export function responseKey(statuses: string[], status: number): string | undefined {
  const range = `${String(status)[0]}XX`;
  return statuses.find((s) => s === String(status)) ?? statuses.find((s) => s.toUpperCase() === range) ??
    statuses.find((s) => s === "default");
}

/** Bundles and dereferences the spec (resolving every $ref) with Redocly. */
export async function loadSpec(specPath = SPEC_PATH): Promise<Schema> {
  const config = await createConfig({});
  const { bundle: doc, problems } = await bundle({ ref: specPath, config, dereference: true });
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`cannot bundle ${specPath}: ${errors.map((p) => p.message).join("; ")}`);
  return doc.parsed as Schema;
}

export async function loadValidator(specPath = SPEC_PATH): Promise<Validator> {
  return createValidator(await loadSpec(specPath));
}

/** Ajv as the spec needs it: 2020-12, every error, formats, OpenAPI's own keywords tolerated. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat("password", true); // an OpenAPI annotation, any string
  ajv.addVocabulary(["discriminator", "xml", "externalDocs", "example", "x-may-refuse"]); // x-may-refuse: the engine's marker on schemas
  return ajv;
}

/** Compiles each (dereferenced) schema object once. */
export function schemaCompiler(ajv: Ajv2020 = createAjv()): (schema: Schema) => ValidateFunction {
  const compiled = new Map<Schema, ValidateFunction>();
  return (schema) => {
    let fn = compiled.get(schema);
    if (!fn) {
      fn = ajv.compile(schema);
      compiled.set(schema, fn);
    }
    return fn;
  };
}

/** A header's text as the value its schema describes (numbers and booleans parsed; else the text). */
export function headerValue(raw: string, schema: Schema): unknown {
  const t = schema.type;
  const num = /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
  return t === "integer" || t === "number" ? num : t === "boolean" ? (raw === "true" ? true : raw === "false" ? false : raw) : raw;
}

export function createValidator(doc: Schema): Validator {

  const byId = new Map<string, { op: Operation; responses: Record<string, ResponseObject> }>();
  const matchers: { re: RegExp; op: Operation }[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, OperationObject>>)) {
    for (const method of Object.keys(item).filter((k) => (METHODS as readonly string[]).includes(k))) {
      const o = item[method];
      if (!o?.operationId) continue;
      const op: Operation = { operationId: o.operationId, method: method.toUpperCase(), path, statuses: Object.keys(o.responses ?? {}) };
      byId.set(op.operationId, { op, responses: o.responses ?? {} });
      const pattern = path.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, "\\$&")).join("[^/]+");
      matchers.push({ re: new RegExp(`^${pattern}/?$`), op });
    }
  }

  const compile = schemaCompiler();
  const errorsOf = (fn: ValidateFunction, where: string) =>
    (fn.errors ?? []).map((e) => {
      const extra = e.keyword === "enum" ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")})` :
        e.keyword === "additionalProperties" ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : "";
      return `${where}${e.instancePath} ${e.message}${extra}`;
    });

  return {
    operations: [...byId.values()].map((v) => v.op),
    operationFor(method, path) {
      const pathname = path.split(/[?#]/)[0] ?? "";
      return matchers.find((m) => m.op.method === method.toUpperCase() && m.re.test(pathname))?.op;
    },
    validateResponse({ operationId, status, headers, body = "" }) {
      const entry = byId.get(operationId);
      if (!entry) return [`unknown operation ${operationId}`];
      const at = `${operationId} ${status}:`;
      const key = responseKey(entry.op.statuses, status);
      if (key === undefined) return [`${at} status ${status} is not documented (documented: ${entry.op.statuses.join(", ")})`];
      const doc = entry.responses[key]!;
      const out: string[] = [];

      for (const [name, h] of Object.entries(doc.headers ?? {})) {
        const raw = getHeader(headers, name);
        if (raw === null) {
          if (h.required) out.push(`${at} header ${name} is required but missing`);
          continue;
        }
        if (!h.schema) continue;
        const fn = compile(h.schema);
        if (!fn(headerValue(raw, h.schema))) out.push(...errorsOf(fn, `${at} header ${name}`).map((m) => `${m} (got ${JSON.stringify(raw)})`));
      }

      const content = doc.content ?? {};
      const documented = Object.keys(content);
      if (documented.length === 0) {
        if (body !== "") out.push(`${at} must have no body, got ${body.length} bytes`);
        return out;
      }
      const contentType = mediaTypeOf(getHeader(headers, "content-type"));
      const media = documented.find((m) => m.toLowerCase() === contentType);
      if (!media) {
        out.push(`${at} content-type ${JSON.stringify(contentType || null)} is not documented (documented: ${documented.join(", ")})`);
        return out;
      }
      if (body === "") return [...out, `${at} body is empty, a ${media} body is documented`];
      const schema = content[media]!.schema;
      if (!isJson(media) || !schema) return out;
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        return [...out, `${at} body is not valid JSON: ${JSON.stringify(body.slice(0, 80))}`];
      }
      const fn = compile(schema);
      if (!fn(value)) out.push(...errorsOf(fn, `${at} body`));
      return out;
    },
  };
}
