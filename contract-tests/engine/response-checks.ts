// The response checks: what every answer must satisfy, whatever was asked. Each is a named
// function over one exchange returning typed violations; `where` is the instance location with
// array indexes collapsed (`body.users[].status`), so that one fault on every user of a page
// is one problem. For oneOf/anyOf only the branch that was meant is reported (the one whose
// const/discriminator matches, else the one with the fewest errors), not every branch's noise.
//
// Schemas are validated in process with Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1):
// Prism validates 3.1 as draft-07 and ignores `discriminator`, so this second opinion catches what
// Prism lets through. The mock suite's verdicts (../harness/context.ts) judge responses with these
// same checks.
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { check, type Check } from "./checks.ts";
import type { Exchange, Observation } from "./runner.ts";
import { resolvePointer, type Api } from "./spec.ts";

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export type Schema = Record<string, unknown>;
interface MediaType {
  schema?: Schema;
}
interface Header {
  required?: boolean;
  schema?: Schema;
}
export interface ResponseObject {
  content?: Record<string, MediaType>;
  headers?: Record<string, Header>;
}

export interface ResponseToCheck {
  operationId: string;
  status: number;
  headers: Headers | Record<string, string | undefined>;
  /** The raw body text; "" or undefined for no body. */
  body?: string;
}

const isJson = (mediaType: string) => mediaType === "application/json" || mediaType.endsWith("+json");
const mediaTypeOf = (value: string | null | undefined) => value?.split(";")[0]?.trim().toLowerCase() ?? "";
// Told apart by shape: naming the global Headers would make Node load undici, which the engine's
// own transports never need (~85 ms at a cold start).
const isHeaders = (headers: ResponseToCheck["headers"]): headers is Headers =>
  typeof (headers as Partial<Headers>).get === "function";
const getHeader = (headers: ResponseToCheck["headers"], name: string): string | null => {
  if (isHeaders(headers)) return headers.get(name);
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (headers[key] ?? null);
};

/** Picks the documented response for a status: exact, then "4XX"-style range, then default. */
export function responseKey(statuses: string[], status: number): string | undefined {
  const range = `${String(status)[0]}XX`;
  return (
    statuses.find((s) => s === String(status)) ??
    statuses.find((s) => s.toUpperCase() === range) ??
    statuses.find((s) => s === "default")
  );
}

/** Ajv as the spec needs it: 2020-12, every error, formats, OpenAPI's own keywords tolerated. */
function createAjv(): Ajv2020 {
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

/**
 * Text from the wire (a header, a query or path parameter) as the value its schema describes, as
 * Prism coerces it: numbers and booleans parsed, anything else left as the text.
 */
export function wireValue(raw: string, schema: Schema): unknown {
  if (schema.type === "integer" || schema.type === "number") return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (schema.type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  return raw;
}

export type ResponseCheckId =
  | "no_server_error"
  | "status_documented"
  | "content_type"
  | "response_schema"
  | "required_headers";

export interface Violation {
  check: ResponseCheckId;
  message: string;
  /** Instance location, array indexes collapsed: `body.users[].role.name`, `header.Retry-After`, `status 418`. */
  where?: string;
  /** Where in the response's schema the rule is (Ajv's schemaPath), for schema violations. */
  schemaPath?: string;
}

/** What the checks need of the spec: the documented responses of an operation, and compiled schemas. */
export interface ResponseSpec {
  statuses(operationId: string): string[];
  /** The documented response for a status (exact, `4XX` range, `default`); undefined when none. */
  documented(operationId: string, status: number): { key: string; response: ResponseObject } | undefined;
  compile(schema: Schema): ValidateFunction;
}

const specs = new WeakMap<Api, ResponseSpec>();
/** The response view of a spec; one Ajv (and one compiled schema each) per spec. */
export function responseSpec(api: Api): ResponseSpec {
  let spec = specs.get(api);
  if (spec) return spec;
  const byOperation = new Map<string, Record<string, ResponseObject>>();
  const responses = (id: string) => {
    let found = byOperation.get(id);
    if (!found) {
      found = (resolvePointer(api.doc, `${api.operation(id).pointer}/responses`) ?? {}) as Record<
        string,
        ResponseObject
      >;
      byOperation.set(id, found);
    }
    return found;
  };
  spec = {
    statuses: (id) => api.operation(id).statuses,
    documented(id, status) {
      const key = responseKey(api.operation(id).statuses, status);
      return key === undefined ? undefined : { key, response: responses(id)[key]! };
    },
    compile: schemaCompiler(),
  };
  specs.set(api, spec);
  return spec;
}

export type ResponseCheckFn = (x: ResponseToCheck, spec: ResponseSpec) => Violation[];

export const noServerError: ResponseCheckFn = ({ status }) =>
  status >= 500
    ? [
        {
          check: "no_server_error",
          message: `The server answered ${status}: a server error, where the spec documents none.`,
          where: `status ${status}`,
        },
      ]
    : [];

/** 5xx are no_server_error's: one fault, one finding. */
export const statusDocumented: ResponseCheckFn = ({ operationId, status }, spec) =>
  status < 500 && !spec.documented(operationId, status)
    ? [
        {
          check: "status_documented",
          message: `Status ${status} is not documented for ${operationId} (documented: ${spec.statuses(operationId).join(", ")}).`,
          where: `status ${status}`,
        },
      ]
    : [];

/** The documented media type, or no body where none is documented (and a body where one is). */
export const contentType: ResponseCheckFn = ({ operationId, status, headers, body = "" }, spec) => {
  const doc = spec.documented(operationId, status);
  if (!doc) return [];
  const media = Object.keys(doc.response.content ?? {});
  const v = (message: string, where: string): Violation[] => [{ check: "content_type", message, where }];
  if (media.length === 0)
    return body === "" ? [] : v(`${status} is documented without a body, got ${body.length} bytes.`, "body");
  if (body === "") return v(`The body is empty; ${status} is documented with a body (${media.join(", ")}).`, "body");
  const got = mediaTypeOf(getHeader(headers, "content-type"));
  return media.some((m) => m.toLowerCase() === got)
    ? []
    : v(
        `Content-Type ${JSON.stringify(got || null)} is not documented for ${status} (documented: ${media.join(", ")}).`,
        "header.content-type",
      );
};

/** The body parses and validates against the documented schema (when the media type is a documented JSON one). */
export const responseSchema: ResponseCheckFn = ({ operationId, status, headers, body = "" }, spec) => {
  const content = spec.documented(operationId, status)?.response.content ?? {};
  const got = mediaTypeOf(getHeader(headers, "content-type"));
  const media = Object.keys(content).find((m) => m.toLowerCase() === got);
  const schema = media ? content[media]!.schema : undefined;
  if (!media || !isJson(media) || !schema || body === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [
      {
        check: "response_schema",
        message: `The body is not valid JSON: ${JSON.stringify(body.slice(0, 80))}`,
        where: "body",
      },
    ];
  }
  const fn = spec.compile(schema);
  if (fn(value)) return [];
  return meantErrors(fn.errors ?? [], schema, value).map((e) => violationOf("response_schema", e, "body", value));
};

/** Documented headers: present when required, and valid against their schema when present. */
export const requiredHeaders: ResponseCheckFn = ({ operationId, status, headers }, spec) =>
  Object.entries(spec.documented(operationId, status)?.response.headers ?? {}).flatMap(([name, h]): Violation[] => {
    const raw = getHeader(headers, name);
    const where = `header.${name}`;
    if (raw === null)
      return h.required
        ? [{ check: "required_headers", message: `Header ${name} is required for ${status} but missing.`, where }]
        : [];
    if (!h.schema) return [];
    const fn = spec.compile(h.schema);
    const value = wireValue(raw.trim(), h.schema);
    return fn(value) ? [] : (fn.errors ?? []).map((e) => violationOf("required_headers", e, where, value));
  });

export interface ResponseCheck extends Check {
  id: ResponseCheckId;
  run: ResponseCheckFn;
}
const entry = (id: ResponseCheckId, run: ResponseCheckFn): ResponseCheck => ({ ...check(id), id, run });

/** The response checks with their metadata (id, title, severity, source: `{op}/responses`) from the registry. */
export const RESPONSE_CHECKS: readonly ResponseCheck[] = [
  entry("no_server_error", noServerError),
  entry("status_documented", statusDocumented),
  entry("content_type", contentType),
  entry("response_schema", responseSchema),
  entry("required_headers", requiredHeaders),
];

/** Every response check (or the `selected` ones) on one exchange. An unknown operation is an error. */
export function runResponseChecks(spec: ResponseSpec, x: ResponseToCheck, selected?: ReadonlySet<string>): Violation[] {
  spec.statuses(x.operationId); // throws, naming the known operations
  return RESPONSE_CHECKS.filter((c) => !selected || selected.has(c.id)).flatMap((c) => c.run(x, spec));
}

/** The checks on one answer of the engine, as observations (the session's `checkResponse`). */
export const checkResponse = (api: Api, operationId: string, answer: Exchange): Observation[] =>
  runResponseChecks(responseSpec(api), {
    operationId,
    status: answer.status,
    headers: answer.headers,
    body: answer.body,
  }).map((v) => ({
    check: v.check,
    operation: operationId,
    message: v.message,
    where: v.where,
    exchange: answer,
  }));

// ---- Ajv errors: the meant branch only, and located messages ----

const segments = (pointer: string) =>
  pointer
    ? pointer
        .split("/")
        .slice(1)
        .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    : [];
const valueAt = (data: unknown, pointer: string) =>
  segments(pointer).reduce<unknown>(
    (node, key) => (node && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
    data,
  );
const within = (e: ErrorObject, c: ErrorObject) =>
  e !== c &&
  e.schemaPath.startsWith(`${c.schemaPath}/`) &&
  (e.instancePath === c.instancePath || e.instancePath.startsWith(`${c.instancePath}/`));
const branchOf = (e: ErrorObject, c: ErrorObject) => Number(e.schemaPath.slice(c.schemaPath.length + 1).split("/")[0]);

/** The branch whose const (the discriminator's, when there is one) matches the value; undefined unless exactly one. */
function constMatch(branches: Schema[], parent: Schema | undefined, value: unknown): number | undefined {
  if (!value || typeof value !== "object") return undefined;
  const discriminator = (parent?.discriminator as { propertyName?: string } | undefined)?.propertyName;
  const matching = branches.flatMap((b, i) => {
    const consts = Object.entries((b.properties ?? {}) as Record<string, Schema>).filter(
      ([name, p]) =>
        typeof p === "object" &&
        p !== null &&
        "const" in p &&
        (discriminator === undefined || name === discriminator) &&
        name in value,
    );
    const fits =
      consts.length > 0 &&
      consts.every(([name, p]) => JSON.stringify(p.const) === JSON.stringify((value as Record<string, unknown>)[name]));
    return fits ? [i] : [];
  });
  return matching.length === 1 ? matching[0] : undefined;
}

/**
 * Drops the errors of the branches that were not meant: outermost oneOf/anyOf first. A combinator
 * whose best branch is clear disappears behind that branch's errors; otherwise it stays, as one
 * line saying no branch matched, beside the errors of the closest branch.
 */
export function meantErrors(errors: ErrorObject[], schema: Schema, data: unknown): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const notes = new Map<ErrorObject, ErrorObject>();
  const combinators = errors
    .filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf")
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const c of combinators) {
    if (dropped.has(c)) continue; // inside a branch already dropped
    const inside = errors.filter((e) => !dropped.has(e) && within(e, c));
    if ((c.params as { passingSchemas?: number[] | null }).passingSchemas) {
      for (const e of inside) dropped.add(e); // several branches matched: that is the one fault
      continue;
    }
    const branches = (resolvePointer(schema, c.schemaPath) ?? []) as Schema[];
    const parent = resolvePointer(schema, c.schemaPath.slice(0, -`/${c.keyword}`.length)) as Schema | undefined;
    const counts = branches.map(() => 0);
    for (const e of inside) counts[branchOf(e, c)]! += 1;
    const fewest = Math.min(...counts);
    const byConst = constMatch(branches, parent, valueAt(data, c.instancePath));
    const best = byConst ?? counts.indexOf(fewest);
    for (const e of inside) if (branchOf(e, c) !== best) dropped.add(e);
    if (byConst !== undefined || counts.filter((n) => n === fewest).length === 1) dropped.add(c);
    else
      notes.set(c, {
        ...c,
        message: `matches none of the ${branches.length} ${c.keyword} branches; the errors of the closest (branch ${best}) follow`,
      });
  }
  return errors.filter((e) => !dropped.has(e)).map((e) => notes.get(e) ?? e);
}

const SECRET_NAME = /password|secret|token|key/i;

const located = (root: string, path: string[], collapse: boolean) =>
  root + path.map((p) => (/^\d+$/.test(p) ? (collapse ? "[]" : `[${p}]`) : `.${p}`)).join("");

/** An Ajv error as a violation: the exact path in the message, the collapsed one (with the property it names) in `where`. */
function violationOf(checkId: ResponseCheckId, e: ErrorObject, root: string, data: unknown): Violation {
  const params = e.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  const at = segments(e.instancePath);
  const named = params.missingProperty ?? params.additionalProperty;
  const allowed = params.allowedValues ? ` (${params.allowedValues.join(", ")})` : "";
  const shown = JSON.stringify(valueAt(data, e.instancePath))?.slice(0, 80);
  const got = named !== undefined || shown === undefined || SECRET_NAME.test(at.at(-1) ?? "") ? "" : `; got ${shown}`;
  return {
    check: checkId,
    message: `${located(root, at, false)} ${e.message}${allowed}${got}`,
    where: located(root, named === undefined ? at : [...at, named], true),
    schemaPath: e.schemaPath,
  };
}
