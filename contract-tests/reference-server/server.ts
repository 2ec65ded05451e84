// An in-memory users API that follows openapi/users.yaml (its descriptions and x-promises). It
// exists to prove conformance mode bites: the conforming server must pass, each mutation
// (mutations.ts) must be caught. String lengths count code points, as JSON Schema does.
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { listenLocal, type Listening } from "../engine/listen.ts";
import { isMutationName, type MutationName } from "./mutations.ts";

type Status = "active" | "invited" | "expired";
type RoleName = "admin" | "member" | "annotator";
interface StoredUser {
  id: string;
  name: string;
  email: string;
  created_at: string;
  status: Status;
  role: { type: "predefined"; name: RoleName };
  is_developer: boolean;
  deleted: boolean;
  temporary_password?: string;
  /** The user as created (the get-stale-after-update mutant answers this). */
  asCreated?: Omit<StoredUser, "asCreated">;
}

export type ReferenceServer = Listening;

const STATUSES: readonly string[] = ["active", "invited", "expired"];
const ROLES: readonly string[] = ["admin", "member", "annotator"];
const INVITE_MODES: readonly string[] = ["none", "email_link", "temporary_password"];
const ID_RE = /^[A-Za-z0-9+/]+={0,2}$/;
const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  410: "Gone",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
};
// Every RATE_EVERY-th authenticated request is rate limited (Retry-After: 0), so the suite's
// handling of 429 is exercised against the conforming server too.
const RATE_EVERY = 40;

class HttpError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}
const bad = (detail: string) => new HttpError(400, detail);
const crash = () => new HttpError(500, "Unexpected error.");
const length = (s: string) => [...s].length;
const invalid = (detail: string) => new HttpError(422, detail);

// Seed: a few users of each status, plus one deleted (must never show up).
const SEED: Array<[string, string, Status, RoleName, boolean]> = [
  ["Ada Admin", "ada.admin@example.org", "active", "admin", true],
  ["Ben Member", "Ben.Member@example.org", "active", "member", true],
  ["Cy Annotator", "cy.annotator@example.org", "invited", "annotator", false],
  ["Dee Member", "dee.member@example.org", "expired", "member", false],
  ["Eve Admin", "eve.admin@example.org", "active", "admin", true],
  ["Fay Member", "fay.member@example.org", "invited", "member", true],
  ["Gus Annotator", "gus.annotator@example.org", "expired", "annotator", false],
  ["Zoë Ünal", "zoe+ops@example.org", "invited", "member", true],
  ["Al Late", "Al.Late@example.org", "active", "annotator", false],
  ["Hal Gone", "hal.gone@example.org", "active", "member", true],
];

export interface ReferenceOptions {
  apiKey: string;
  mutation?: MutationName | undefined;
}

/** Starts the server on 127.0.0.1 with a free port. */
export const startReferenceServer = (opts: ReferenceOptions): Promise<ReferenceServer> =>
  listenLocal(createServer(createReferenceHandler(opts)));

/**
 * The server as a Node request handler, `(req, res) => …`, with its own users: what
 * `startReferenceServer` listens with, and what an in-process transport calls without a port.
 */
export function createReferenceHandler(opts: ReferenceOptions): RequestListener {
  const { apiKey, mutation } = opts;
  if (!apiKey) throw new Error("createReferenceHandler: apiKey is required");
  if (mutation !== undefined && !isMutationName(mutation))
    throw new Error(`createReferenceHandler: unknown mutation "${String(mutation)}"`);
  const m = (name: MutationName) => mutation === name;

  const users: StoredUser[] = [];
  let requests = 0;
  let serial = 0;
  let clock = Date.parse("2024-01-01T12:00:00Z");
  const nextId = (): string => {
    // base64 of "User:n", skipping ids with '/' or '+' (they would not survive a path segment).
    for (;;) {
      const id = Buffer.from(`User:${++serial}`).toString("base64");
      if (!/[+/]/.test(id)) return id;
    }
  };
  const addUser = (u: Omit<StoredUser, "id" | "created_at" | "deleted">): StoredUser => {
    clock += 3_600_000;
    const user: StoredUser = {
      ...u,
      id: nextId(),
      created_at: new Date(clock).toISOString().replace(".000Z", "Z"),
      deleted: false,
    };
    user.asCreated = { ...user };
    users.push(user);
    return user;
  };
  for (const [name, email, status, role, is_developer] of SEED)
    addUser({ name, email, status, role: { type: "predefined", name: role }, is_developer });
  users[users.length - 1]!.deleted = true;

  const wire = (u: StoredUser, withPassword = false): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      id: u.id,
      name: u.name,
      email: u.email,
      created_at: m("malformed-created-at") ? u.created_at.replace("T", " ").replace("Z", "") : u.created_at,
      status: m("upper-case-enums") ? u.status.toUpperCase() : u.status,
      role: m("role-wrong-type")
        ? u.role.name
        : m("role-no-branch")
          ? { type: "predefined", id: u.id }
          : { type: "predefined", name: m("upper-case-enums") ? u.role.name.toUpperCase() : u.role.name },
      is_developer: u.is_developer,
    };
    if (m("missing-required-field")) delete out.is_developer;
    if (u.temporary_password && (withPassword || m("temporary-password-leaked")))
      out.temporary_password = u.temporary_password;
    return out;
  };
  const find = (id: string): StoredUser => {
    if (!ID_RE.test(id)) throw bad("user_id is not a valid id.");
    if (m("500-on-id-with-slash") && /[/+]/.test(id)) throw crash();
    const u = users.find((x) => x.id === id && (!x.deleted || m("delete-keeps-get")));
    if (!u) {
      if (m("500-for-unknown-id")) throw new HttpError(500, "Unexpected error.");
      if (m("undocumented-status")) throw new HttpError(410, "User not found.");
      throw new HttpError(404, "User not found.");
    }
    return u;
  };
  const visible = () => users.filter((u) => !u.deleted || m("deleted-still-listed"));
  const matchesEmail = (address: string, needle: string): boolean => {
    if (m("email-filter-case-sensitive")) return address.includes(needle);
    const haystack = m("email-filter-local-part") ? address.slice(0, address.lastIndexOf("@")) : address;
    const at = haystack.toLowerCase().indexOf(needle.toLowerCase());
    return m("email-filter-prefix") ? at === 0 : at >= 0;
  };

  function list(q: URLSearchParams) {
    for (const key of q.keys())
      if (!["limit", "cursor", "email", "status"].includes(key)) throw bad(`Unknown query parameter: ${key}.`);
    let limit = m("default-limit-20") ? 20 : 50;
    const rawLimit = q.getAll("limit");
    if (rawLimit.length > 1) throw bad("limit given more than once.");
    if (rawLimit.length === 1) {
      if (!/^\d+$/.test(rawLimit[0]!)) throw bad("limit must be an integer.");
      limit = Number(rawLimit[0]);
      if (limit < 1 || (limit > 100 && !m("limit-over-100-accepted"))) throw bad("limit must be between 1 and 100.");
    }
    const email = q.get("email");
    if (email !== null && length(email) > 255) throw bad("email filter is longer than 255 characters.");
    if (email !== null && m("500-on-like-wildcard") && /[%_]/.test(email)) throw crash();
    let statuses = q.getAll("status");
    for (const s of statuses) if (!STATUSES.includes(s)) throw bad(`Unknown status: ${s}.`);
    if (m("500-on-all-statuses") && new Set(statuses).size === STATUSES.length) throw crash();
    if (m("status-filter-first-only")) statuses = statuses.slice(0, 1);
    const cursor = q.get("cursor");
    let afterIndex = -1;
    // The pending-invitations index that delete forgets to clear.
    const pool =
      m("invited-filter-keeps-deleted") && statuses.includes("invited")
        ? users.filter((u) => !u.deleted || u.status === "invited")
        : visible();
    let rows = pool.slice().sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    if (m("unsorted")) rows.reverse();
    if (m("sorted-by-name")) rows.sort((a, b) => a.name.localeCompare(b.name));
    if (statuses.length && !m("status-filter-ignored")) rows = rows.filter((u) => statuses.includes(u.status));
    if (email !== null) rows = rows.filter((u) => matchesEmail(u.email, email));
    if (cursor !== null) {
      const after = decodeCursor(cursor);
      afterIndex = rows.findIndex((u) => u.id === after);
      if (afterIndex < 0) throw bad("cursor is not valid.");
      if (m("repeated-across-pages")) afterIndex--;
    }
    if (m("cursor-skips-on-odd-limit") && cursor !== null && limit >= 3 && limit % 2 === 1) afterIndex++;
    const size = m("short-pages") && limit > 1 ? limit - 1 : limit;
    const page = m("limit-ignored") ? rows.slice(afterIndex + 1) : rows.slice(afterIndex + 1, afterIndex + 1 + size);
    let hasMore = afterIndex + 1 + page.length < rows.length;
    // The off-by-one: "more" computed as "at least two more", so a lone last user is never shown.
    if (m("last-page-off-by-one") && hasMore && afterIndex + 1 + page.length === rows.length - 1) hasMore = false;
    const last = page[page.length - 1];
    const pagination: Record<string, unknown> = { has_more: hasMore };
    if (hasMore && last) pagination.next_cursor = encodeCursor(last.id);
    if (!hasMore && m("next-cursor-on-last-page")) pagination.next_cursor = encodeCursor(last?.id ?? "end");
    const body: Record<string, unknown> = { users: page.map((u) => wire(u)) };
    if (!m("missing-pagination")) body.pagination = pagination;
    return body;
  }

  function create(body: unknown): [number, unknown] {
    const b = validateCreate(body, m("invalid-input-accepted"));
    const sent = String(b.email ?? "");
    if (m("500-on-non-ascii-name") && /\P{ASCII}/u.test(String(b.name ?? ""))) throw crash();
    if (m("500-on-plus-email") && sent.includes("+")) throw crash();
    const email = m("create-lowercases-email") ? sent.toLowerCase() : sent;
    let prior = users.find((u) => u.email.toLowerCase() === email.toLowerCase());
    // The invitation is looked up by address and the name it was sent to: a renamed invitee is not found.
    if (m("create-again-after-rename-201") && prior?.status === "invited" && !prior.deleted)
      if (prior.name !== prior.asCreated?.name) prior = undefined;
    const tempPassword = () =>
      b.invite_mode === "temporary_password" ? `tmp-${randomBytes(9).toString("base64url")}` : undefined;
    if (prior && !m("create-not-idempotent")) {
      if (prior.deleted) {
        if (m("conflict-restores-deleted")) prior.deleted = false; // restored before the conflict is noticed
        throw new HttpError(409, "A deleted user had this email; deletion is terminal.");
      }
      if (prior.status === "active") throw new HttpError(409, "An active user with this email already exists.");
      if (b.invite_mode !== "none" && prior.status === "invited") {
        const answered = m("create-again-answers-first-version") ? { ...prior, ...prior.asCreated } : prior;
        return [200, wire(answered, m("temporary-password-on-200"))];
      }
      // expired (or invited/expired with `none`): a new invitation / provisioned now.
      prior.status = b.invite_mode === "none" ? "active" : "invited";
      const pw = tempPassword();
      if (pw) prior.temporary_password = pw;
      return [201, { ...wire(prior, true), invite_mode: b.invite_mode }];
    }
    const roleName = (b.role as { name?: string } | undefined)?.name as RoleName;
    const pw = tempPassword();
    const u = addUser({
      name: String(b.name ?? ""),
      email,
      status: b.invite_mode === "none" && !m("none-mode-invited") ? "active" : "invited",
      role: { type: "predefined", name: roleName },
      is_developer:
        typeof b.is_developer === "boolean" && !(m("create-ignores-developer-false") && roleName !== "annotator")
          ? b.is_developer
          : roleName !== "annotator",
      ...(pw ? { temporary_password: pw } : {}),
    });
    return [201, { ...wire(u, true), invite_mode: b.invite_mode }];
  }

  function update(u: StoredUser, body: unknown) {
    if (!isObject(body)) throw bad("The body must be a JSON object.");
    const { name, is_developer } = body;
    if (name === undefined && is_developer === undefined) throw bad("Give at least one of name and is_developer.");
    if (is_developer !== undefined && typeof is_developer !== "boolean") throw bad("is_developer must be a boolean.");
    let newName: string | undefined;
    if (name !== undefined) {
      if (typeof name !== "string") throw bad("name must be a string.");
      if (m("500-on-max-length-name") && length(name) === 255) throw crash();
      newName = m("update-name-not-stripped") ? name : name.trim();
      if (!newName.trim()) {
        if (!m("blank-name-accepted") || !name) throw bad("name must not be blank.");
        newName = name;
      }
      if (length(newName) > 255 || length(newName) < 1) throw bad("name must be 1 to 255 characters.");
    }
    if (m("second-update-reverts-first") && u.asCreated) {
      u.name = u.asCreated.name; // every update starts from the user as created
      u.is_developer = u.asCreated.is_developer;
    }
    if (newName !== undefined) u.name = newName;
    if (typeof is_developer === "boolean" && m("update-not-stored")) return wire({ ...u, is_developer });
    if (typeof is_developer === "boolean") u.is_developer = is_developer;
    else if (m("update-touches-other-fields")) u.is_developer = !u.is_developer;
    return wire(u);
  }

  async function route(req: IncomingMessage): Promise<[number, unknown?]> {
    if (!m("credentials-ignored") && req.headers.authorization !== `Bearer ${apiKey}`)
      throw new HttpError(401, "A valid API key is required.");
    if (++requests % RATE_EVERY === 0) throw new HttpError(429, "Rate limit exceeded; retry later.");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== "v2" || parts[1] !== "users" || parts.length > 4) throw new HttpError(404, "No such resource.");
    const method = req.method ?? "GET";
    if (parts.length === 2) {
      if (method === "GET") return [200, list(url.searchParams)];
      if (method === "POST") return create(await readJson(req));
    } else if (parts.length === 3) {
      if (method === "GET") {
        const found = find(parts[2]!);
        const shown = m("get-stale-after-update") ? { ...found, ...found.asCreated } : found;
        return [200, m("malformed-json") ? `${JSON.stringify(wire(shown)).slice(0, -1)},` : wire(shown)];
      }
      if (method === "PATCH") {
        const gone = m("update-resurrects-deleted") ? users.find((x) => x.id === parts[2] && x.deleted) : undefined;
        if (gone) gone.deleted = false; // an upsert: the update brings the record back
        const u = find(parts[2]!);
        return [200, update(u, await readJson(req))];
      }
      if (method === "DELETE") {
        if (!ID_RE.test(parts[2]!)) throw bad("user_id is not a valid id.");
        const u = users.find((x) => x.id === parts[2]);
        if (!u || (u.deleted && m("delete-not-idempotent"))) throw new HttpError(404, "User not found.");
        u.deleted = true;
        return [204];
      }
    } else if (method === "POST" && parts[3] === "resend-invitation") {
      const u = find(parts[2]!);
      if (u.status !== "invited" && !m("resend-any-status")) throw bad("The user is not in the invited status.");
      return [204];
    } else if (method === "POST" && parts[3] === "reset-password") {
      const u = find(parts[2]!);
      if (u.status !== "active" && !m("reset-any-status")) throw bad("The user has not verified the account.");
      return [204];
    }
    throw new HttpError(404, "No such resource.");
  }

  return (req, res) => {
    route(req).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const detail = err instanceof HttpError ? err.message : "Unexpected error.";
        if (m("text-plain-errors")) {
          res.writeHead(status, { "content-type": "text/plain" }).end(`${status} ${detail}`);
          return;
        }
        const problem = {
          type: "about:blank",
          title: TITLES[status] ?? "Error",
          status: m("problem-status-mismatch") ? 400 : status,
          detail,
        };
        res.writeHead(status, {
          "content-type": m("errors-as-json") ? "application/json" : "application/problem+json",
          ...(status === 401 ? { "www-authenticate": "Bearer" } : {}),
          ...(status === 429 && !m("retry-after-missing") ? { "retry-after": "0" } : {}),
        });
        res.end(JSON.stringify(problem));
      },
    );
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  // A string is an already serialised (possibly broken, see malformed-json) body.
  res
    .writeHead(status, { "content-type": "application/json" })
    .end(typeof body === "string" ? body : JSON.stringify(body));
}

const encodeCursor = (id: string) => Buffer.from(`after:${id}`).toString("base64url");
function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString();
  if (!cursor || !text.startsWith("after:")) throw bad("cursor is not valid.");
  return text.slice("after:".length);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1_000_000) throw new HttpError(400, "Body too large.");
    chunks.push(chunk);
  }
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) throw bad("The body must be application/json.");
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw bad("The body is not valid JSON.");
  }
}

// Every constraint of CreateUserRequest. With `lax` (a mutant), anything goes.
function validateCreate(body: unknown, lax: boolean): Record<string, unknown> {
  if (!isObject(body)) {
    if (lax) return {};
    throw bad("The body must be a JSON object.");
  }
  if (lax) return body;
  const { name, email, role, invite_mode, is_developer } = body;
  if (typeof name !== "string" || length(name) < 1 || length(name) > 255)
    throw invalid("name is required, 1 to 255 characters.");
  if (typeof email !== "string" || !EMAIL_RE.test(email))
    throw invalid("email is required and must be an email address.");
  if (!isObject(role)) throw invalid("role is required and must be a role assignment object.");
  if (role.type === "custom") {
    if (typeof role.id !== "string" || !ID_RE.test(role.id)) throw invalid("role.id must be an id.");
    throw invalid("Custom role assignments are not supported yet.");
  }
  if (role.type !== "predefined") throw invalid("role.type must be predefined or custom.");
  if (typeof role.name !== "string" || !ROLES.includes(role.name))
    throw invalid("role.name must be admin, member or annotator.");
  if (typeof invite_mode !== "string" || !INVITE_MODES.includes(invite_mode))
    throw invalid("invite_mode must be none, email_link or temporary_password.");
  if (is_developer !== undefined && typeof is_developer !== "boolean") throw invalid("is_developer must be a boolean.");
  return body;
}
