// What a run does, as a list of scenarios: the generated valid and invalid requests of each
// operation, credentials, the list's promises on the account's users, and with writes a user's
// whole life and random sequences against a model of the account. Each names the checks it is for: it runs when one of them is selected (and reports
// any selected check it sees fail); one that needs writes is skipped in a read-only run.
import type { ScenarioInfo } from "./events.ts";
import { arbitraryFor, negativeCases, positiveCases, type NegativeCase, type RequestCase } from "./generate.ts";
import {
  baseline,
  emailFilterProperty,
  getMatchesListProperty,
  lifeProperty,
  paginationProperty,
  statusFilterProperty,
  unknownIdProperty,
  type Baseline,
  type CreateBody,
  type UpdateBody,
} from "./properties.ts";
import {
  explore,
  fixedFailures,
  pool,
  Unanswered,
  type Failure,
  type Observation,
  type Property,
  type Settings,
} from "./runner.ts";
import type { Session } from "./session.ts";
import { refusalsOf, statefulProperty } from "./stateful.ts";
import type { ClauseTally } from "./clauses.ts";
import { isRead, type Api } from "./spec.ts";

export interface RunContext {
  api: Api;
  session: Session;
  settings: Settings;
  writes: boolean;
  /** Marks what this run makes: its users' emails, the ids it knows no server holds. */
  runId: string;
  /** A fresh address on example.com carrying the run id (the clean-up finds it). */
  newEmail(tag: string): string;
  /** A user of this run that valid updates go to ("" in a read-only run, or when creating it failed). */
  sandbox: string;
  /** Counts the clauses asserted, by every property of the run (the coverage report's clause table). */
  tally: ClauseTally;
  /** Check sequences against a model of the account (false for a server that keeps no state: the mock). */
  model: boolean;
}

export interface ScenarioResult {
  failures: Failure[];
  cases: number;
}

export interface Scenario extends ScenarioInfo {
  /** Sends writing requests: skipped in a read-only run. */
  writes: boolean;
  run(ctx: RunContext): Promise<ScenarioResult>;
}

const RESPONSE_CHECKS = ["no_server_error", "status_documented", "content_type", "response_schema", "required_headers"];
const ANSWER_CHECKS = [...RESPONSE_CHECKS, "server_answers"];

const schemaOf = (api: Api, name: string) =>
  (api.doc.components as { schemas: Record<string, Record<string, unknown>> }).schemas[name]!;

/** A generated id that no server holds: it starts with this run's marker. */
export const ghostId = (runId: string, id: string) =>
  `${Buffer.from(`ghost${runId}`).toString("base64").replace(/[+/=]/g, "")}${id}`;

/** A generated address made this run's own: the local part kept, the domain example.com. */
const ownEmail = (ctx: RunContext, generated: string) => {
  const local = generated.slice(0, generated.lastIndexOf("@")).slice(0, 40) || "x";
  return ctx.newEmail(local.replace(/^\.+|\.+$/g, "").replace(/\.{2,}/g, ".") || "x");
};
const withOwnEmail = (ctx: RunContext, c: RequestCase): RequestCase =>
  c.body && "json" in c.body && typeof (c.body.json as { email?: unknown }).email === "string"
    ? {
        ...c,
        body: { json: { ...(c.body.json as object), email: ownEmail(ctx, (c.body.json as { email: string }).email) } },
      }
    : c;

/** Generated cases aimed where this run may go: own addresses, own user, ids no one has. */
const aim = (ctx: RunContext, c: RequestCase): RequestCase => {
  if (c.operationId === "createUser") return withOwnEmail(ctx, c);
  if (c.operationId === "updateUser" && ctx.sandbox) return { ...c, path: { user_id: ctx.sandbox } };
  if ("user_id" in c.path && c.operationId !== "getUser")
    return { ...c, path: { user_id: ghostId(ctx.runId, c.path.user_id!) } };
  return c;
};

/** A fixed case's result, or, when its request got no answer, that finding: the next case still goes. */
const answeredOr = <T>(sending: Promise<T>): Promise<T | Observation[]> =>
  sending.catch((err: unknown) => {
    if (err instanceof Unanswered) return [err.observation];
    throw err;
  });

const explored = async <T>(p: Property<T> | undefined, ctx: RunContext): Promise<ScenarioResult> =>
  p ? explore(p, ctx.settings) : { failures: [], cases: 0 };

/** The whole list, walked now: scenarios run one after another, so nothing this run does changes it meanwhile. */
async function fresh(ctx: RunContext): Promise<{ base: Baseline; failures: Failure[] }> {
  const seen = await baseline(ctx.session.sender, ctx.tally);
  return { base: seen.baseline, failures: fixedFailures(seen.observations, ctx.settings) };
}

/** A property over the account's users as they are now: their walk's findings, then the property's. */
const onFreshList =
  <T>(make: (ctx: RunContext, base: Baseline) => Property<T> | undefined) =>
  async (ctx: RunContext): Promise<ScenarioResult> => {
    const { base, failures } = await fresh(ctx);
    const result = await explored(make(ctx, base), ctx);
    return { failures: [...failures, ...result.failures], cases: result.cases };
  };

function positiveScenario(api: Api, operationId: string): Scenario {
  return {
    name: `${operationId}: generated valid requests`,
    phase: "positive",
    operation: operationId,
    checks: ["positive_accepted", "prism_violation", ...ANSWER_CHECKS],
    writes: !isRead(api.operation(operationId)),
    run: (ctx) =>
      explore(
        {
          name: `${operationId} positive`,
          arbitrary: positiveCases(api.doc, operationId).map((c) => aim(ctx, c)),
          run: (c) => ctx.session.positive(c),
        },
        ctx.settings,
      ),
  };
}

function negativeScenario(api: Api, operationId: string): Scenario {
  return {
    name: `${operationId}: generated invalid requests (one broken constraint each)`,
    phase: "negative",
    operation: operationId,
    checks: ["negative_rejected", ...ANSWER_CHECKS],
    writes: !isRead(api.operation(operationId)),
    async run(ctx) {
      // Email and path constraints stay as generated: their breakage is the point.
      const cases = negativeCases(api.doc, operationId).map((c) =>
        c.constraint.location.startsWith("body.email") || c.constraint.location.startsWith("path.")
          ? c
          : (aim(ctx, c) as NegativeCase),
      );
      const observed: Observation[] = [];
      const sent = await pool(
        cases,
        ctx.settings.concurrency,
        ctx.settings.deadline,
        async (c) => {
          observed.push(...(await answeredOr(ctx.session.negative(c))));
        },
        ctx.settings.stopped,
      );
      return { failures: fixedFailures(observed, ctx.settings), cases: sent };
    },
  };
}

/** A body each writing operation accepts, so that only the credentials are wrong. */
const credentialsBody = (ctx: RunContext, operationId: string) =>
  operationId === "createUser"
    ? {
        name: "Nobody",
        email: ctx.newEmail("nobody"),
        role: { type: "predefined", name: "member" },
        invite_mode: "none",
      }
    : operationId === "updateUser"
      ? { name: "Nobody" }
      : undefined;

function credentialsScenario(api: Api): Scenario {
  return {
    name: "credentials: none, or a bogus key, get 401 on every operation this run may send",
    phase: "auth",
    checks: ["auth_required", ...ANSWER_CHECKS],
    writes: false,
    async run(ctx) {
      const id = ghostId(ctx.runId, "QUJD");
      const observed: Observation[] = [];
      const operations = api.operations.filter((o) => (ctx.writes || isRead(o)) && o.secured);
      for (const o of operations) {
        for (const [what, auth] of [
          ["no credentials", null],
          ["a bogus key", `Bearer bogus-${ctx.runId}`],
        ] as const) {
          const path = o.pathTemplate.replace("{user_id}", id);
          const request = {
            operation: o.operationId,
            method: o.method,
            path,
            body: credentialsBody(ctx, o.operationId),
          };
          const sent = await answeredOr(ctx.session.sender.sendRequest({ ...request, auth }, true));
          if (Array.isArray(sent)) {
            observed.push(...sent);
            continue;
          }
          observed.push(...sent.observations);
          if (sent.exchange.status !== 401)
            observed.push({
              check: "auth_required",
              operation: o.operationId,
              message: `A request with ${what} must get 401; it got ${sent.exchange.status}.`,
              where: what,
              exchange: sent.exchange,
            });
        }
      }
      return { failures: fixedFailures(observed, ctx.settings), cases: 0 };
    },
  };
}

const property = (
  name: string,
  checks: string[],
  run: (ctx: RunContext) => Promise<ScenarioResult>,
  writes = false,
): Scenario => ({
  name,
  phase: writes ? "lifecycle" : "properties",
  checks,
  writes,
  run,
});

const UNKNOWN_ID_OPERATIONS = [
  { operation: "getUser", method: "GET", tail: "" },
  { operation: "updateUser", method: "PATCH", tail: "", body: { name: "Ghost" } },
  { operation: "deleteUser", method: "DELETE", tail: "" },
  { operation: "resendInvitation", method: "POST", tail: "/resend-invitation" },
  { operation: "resetPassword", method: "POST", tail: "/reset-password" },
];

/** What a user's life and the sequences create and update with: generated bodies, the run's own addresses. */
function writeInputs(api: Api, ctx: RunContext) {
  const create = positiveCases(api.doc, "createUser").map((c) => (c.body as { json: CreateBody }).json);
  const update = positiveCases(api.doc, "updateUser").map((c) => (c.body as { json: UpdateBody }).json);
  const refusals =
    (schemaOf(api, "CustomRoleAssignment")["x-may-refuse"] as { statuses?: string[] } | undefined)?.statuses ?? [];
  const hooks = {
    email: (generated: string) => ownEmail(ctx, generated),
    mayRefuse: (body: CreateBody) => (body.role.type === "custom" ? refusals : []),
  };
  return { create, update, hooks };
}

/** The checks whose promises a user's life can break. */
const LIFE_CHECKS = [
  "create_reflects_request",
  "create_idempotent",
  "secret_not_echoed",
  "update_persisted",
  "delete_final",
  "state_refusal",
  "filter_status",
  "filter_email",
];

function lifeScenario(api: Api): Scenario {
  return property(
    "a user's life: create, get, list, create again, update, resend/reset, delete",
    LIFE_CHECKS,
    (ctx) => {
      const { create, update, hooks } = writeInputs(api, ctx);
      return explored(lifeProperty(ctx.session.sender, hooks, create, update, ctx.tally), ctx);
    },
    true,
  );
}

/** The checks whose promises a sequence can break: a life's, and the list's and get's. */
const SEQUENCE_CHECKS = [
  ...LIFE_CHECKS,
  "limit_respected",
  "pagination_complete",
  "order_created_at",
  "get_matches_list",
];

/** Random sequences against a model of the account; read-only runs get sequences of reads. */
function sequencesScenario(api: Api): Scenario {
  return {
    name: "sequences of operations against a model of the account, every promise checked after every step",
    phase: "stateful",
    checks: SEQUENCE_CHECKS,
    writes: false,
    run(ctx) {
      const { create, update, hooks } = writeInputs(api, ctx);
      const options = { writes: ctx.writes, model: ctx.model, refusals: refusalsOf(api), tally: ctx.tally };
      return explored(statefulProperty(ctx.session.sender, hooks, { create, update }, options), ctx);
    },
  };
}

/** Every scenario of a run, in order. */
export function scenariosOf(api: Api): Scenario[] {
  const operations = api.operations.map((o) => o.operationId);
  const idArb = arbitraryFor(schemaOf(api, "Id"), "path.user_id").map((v) => v.value as string);
  const otherNeedles = arbitraryFor({ type: "string", maxLength: 40 }, "query.email").map((v) => v.value as string);
  return [
    ...operations.map((op) => positiveScenario(api, op)),
    ...operations.map((op) => negativeScenario(api, op)),
    credentialsScenario(api),
    property(
      "listUsers: walking at any limit yields every user once, oldest first, pages full",
      ["pagination_complete", "limit_respected", "order_created_at"],
      onFreshList((ctx, base) => paginationProperty(ctx.session.sender, base, ctx.tally)),
    ),
    property(
      "listUsers: a status filter of any subset keeps exactly those users",
      ["filter_status"],
      onFreshList((ctx, base) => statusFilterProperty(ctx.session.sender, base, ctx.tally)),
    ),
    property(
      "listUsers: an email filter of any substring, in any case, keeps exactly the matches",
      ["filter_email"],
      onFreshList((ctx, base) => emailFilterProperty(ctx.session.sender, base, otherNeedles, ctx.tally)),
    ),
    property(
      "getUser: a listed user, fetched by id, is the one listed",
      ["get_matches_list"],
      onFreshList((ctx, base) => getMatchesListProperty(ctx.session.sender, base, ctx.tally)),
    ),
    property("an id that belongs to no user gets 404", ["unknown_id_404"], (ctx) => {
      const ops = UNKNOWN_ID_OPERATIONS.filter((o) => ctx.writes || isRead(api.operation(o.operation)));
      return explored(
        unknownIdProperty(ctx.session.sender, idArb, (id) => ghostId(ctx.runId, id), ops, ctx.tally),
        ctx,
      );
    }),
    lifeScenario(api),
    sequencesScenario(api),
  ];
}
