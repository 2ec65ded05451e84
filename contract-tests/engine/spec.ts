// The spec as the engine reads it: operations with their parameters, request body, documented
// responses, and the two extensions that make behaviour checkable: x-promises and x-may-refuse.
import { bundledSpec } from "./spec-source.ts";

export type Doc = Record<string, unknown>;
type Obj = Record<string, unknown>;

export const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** The spec, bundled and dereferenced (every $ref resolved). */
export const loadSpec = (specPath?: string): Promise<Doc> => bundledSpec(specPath);

export interface MayRefuse {
  statuses: string[];
  reason: string;
}

export interface SpecOperation {
  operationId: string;
  method: string; // upper case
  pathTemplate: string;
  /** JSON pointer of the operation object in the spec, e.g. `#/paths/~1v2~1users/get`. */
  pointer: string;
  /** x-promises: check id → the promise in words (its clauses, joined). */
  promises: Record<string, string>;
  /** The promises' clauses: clause id (`<check id>.<clause>`) → the clause in words. */
  clauses: Record<string, string>;
  /** Documented response keys, as written ("200", "4XX", "default"). */
  statuses: string[];
  secured: boolean;
}

export interface Api {
  doc: Doc;
  operations: SpecOperation[];
  operation(id: string): SpecOperation;
  /**
   * The operation a request hits, from its method (any case) and path: the path template with one
   * segment for each parameter, a trailing slash allowed, the query string and fragment ignored.
   * A path two templates match goes to the one with fewer parameters (`/users/me` before `/users/{id}`).
   */
  operationFor(method: string, path: string): SpecOperation | undefined;
}

const escapePointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** Resolves a JSON pointer (`#/a/b`) in the (bundled, dereferenced) spec; undefined when absent. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (!pointer.startsWith("#")) return undefined;
  return pointer
    .slice(1)
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Obj)[key] : undefined), doc);
}

/**
 * x-promises of one operation: `{ <check id>: { <clause>: <the clause in words> } }`. Each promise
 * is split into clauses so that every clause can have its own assertion; a promise written as one
 * string is an error (its clauses would go unchecked unnoticed).
 */
function readPromises(op: Obj, operationId: string): Pick<SpecOperation, "promises" | "clauses"> {
  const promises: Record<string, string> = {};
  const clauses: Record<string, string> = {};
  for (const [checkId, written] of Object.entries((op["x-promises"] ?? {}) as Obj)) {
    const parts = Object.entries(written && typeof written === "object" ? (written as Obj) : {});
    if (!parts.length || parts.some(([, text]) => typeof text !== "string" || !text))
      throw new Error(
        `${operationId}: x-promises.${checkId} must map each clause to its text, got ${JSON.stringify(written)}`,
      );
    for (const [clause, text] of parts) clauses[`${checkId}.${clause}`] = text as string;
    promises[checkId] = parts.map(([, text]) => text).join(" ");
  }
  return { promises, clauses };
}

export function describeApi(doc: Doc): Api {
  const operations: SpecOperation[] = [];
  const globalSecurity = Array.isArray(doc.security) && doc.security.length > 0;
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Obj>)) {
    for (const method of METHODS) {
      const op = item[method] as Obj | undefined;
      if (!op || typeof op.operationId !== "string") continue;
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        pathTemplate: path,
        pointer: `#/paths/${escapePointer(path)}/${method}`,
        ...readPromises(op, op.operationId),
        statuses: Object.keys((op.responses as Obj | undefined) ?? {}),
        secured: Array.isArray(op.security) ? op.security.length > 0 : globalSecurity,
      });
    }
  }
  const templated = (o: SpecOperation) => o.pathTemplate.split("{").length;
  const matchers = [...operations]
    .sort((a, b) => templated(a) - templated(b))
    .map((op) => {
      const pattern = op.pathTemplate
        .split(/\{[^}]+\}/)
        .map((s) => s.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
        .join("[^/]+");
      return { re: new RegExp(`^${pattern}/?$`), op };
    });
  return {
    doc,
    operations,
    operationFor(method, path) {
      const pathname = path.split(/[?#]/)[0] ?? "";
      return matchers.find((m) => m.op.method === method.toUpperCase() && m.re.test(pathname))?.op;
    },
    operation(id) {
      const found = operations.find((o) => o.operationId === id);
      if (!found)
        throw new Error(`no operation ${id} in the spec (known: ${operations.map((o) => o.operationId).join(", ")})`);
      return found;
    },
  };
}

let loaded: Promise<Api> | undefined;
/** The spec of this repo, bundled and dereferenced once per process. */
export const loadApi = (): Promise<Api> => (loaded ??= loadSpec().then(describeApi));

/** A GET only reads: a read-only run sends nothing else. */
export const isRead = (op: Pick<SpecOperation, "method">): boolean => op.method === "GET";

/** The resource's own routes, found by their shape in the spec, for the run's set-up and clean-up. */
export interface Routes {
  /** GET on the collection (no path parameter): lists, and finds the run's users by email. */
  list: SpecOperation;
  /** POST on the collection: what makes a user the run must delete. */
  create: SpecOperation;
  /** DELETE on an item (one path parameter). */
  remove: SpecOperation;
}

export function routesOf(api: Api): Routes {
  const params = (op: SpecOperation) => (op.pathTemplate.match(/\{[^}]+\}/g) ?? []).length;
  const find = (method: string, n: number, what: string) => {
    const op = api.operations.find((o) => o.method === method && params(o) === n);
    if (!op) throw new Error(`the spec has no ${what} (${method} with ${n} path parameter(s))`);
    return op;
  };
  return {
    list: find("GET", 0, "list operation"),
    create: find("POST", 0, "create operation"),
    remove: find("DELETE", 1, "delete operation"),
  };
}

/** A path template with its one parameter filled in, percent-encoded. */
export const itemPath = (op: Pick<SpecOperation, "pathTemplate">, id: string): string =>
  op.pathTemplate.replace(/\{[^}]+\}/, encodeURIComponent(id));
