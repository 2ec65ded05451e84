// Conformance mode: cases and properties generated from the spec, against a live server.
// Read-only (the default): valid and invalid reads, credentials, and the list's promises on
// whatever the account holds. With CONTRACT_ALLOW_WRITES=1 also every writing operation and a
// user's whole life, on users this run creates (example.com addresses carrying the run id).
import { beforeAll, describe, it } from "vitest";
import { arbitraryFor, negativeCases, positiveCases, type NegativeCase, type RequestCase } from "../engine/generate.ts";
import { explore, fixedFailures, pool, type Property } from "../engine/runner.ts";
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
} from "../engine/properties.ts";
import { api, recordBroken, recordReached, selected, session, settings } from "../harness/engine.ts";
import { countCases, expectChecks, guardFindings, live, newEmail, report, runId, skipped, writes } from "./conform.ts";

const run = settings({ runs: 25, concurrency: Number(process.env.CONTRACT_CONCURRENCY ?? 4) });
const READS = new Set(["listUsers", "getUser"]);
const allowed = (operationId: string) => writes || READS.has(operationId);
const schemaOf = (name: string) =>
  (api.doc.components as { schemas: Record<string, Record<string, unknown>> }).schemas[name]!;
const idArb = arbitraryFor(schemaOf("Id"), "path.user_id").map((v) => v.value as string);
/** A generated id that no server holds: it starts with this run's marker. */
const ghost = (id: string) => `${Buffer.from(`ghost${runId}`).toString("base64").replace(/[+/=]/g, "")}${id}`;

/** A generated address made unique to this run (the clean-up sweep finds it): the local part kept, the domain example.com. */
const ownEmail = (generated: string) => {
  const local = generated.slice(0, generated.lastIndexOf("@")).slice(0, 40) || "x";
  return newEmail(local.replace(/^\.+|\.+$/g, "").replace(/\.{2,}/g, ".") || "x");
};
const withOwnEmail = (c: RequestCase): RequestCase =>
  c.body && "json" in c.body && typeof (c.body.json as { email?: unknown }).email === "string"
    ? {
        ...c,
        body: { json: { ...(c.body.json as object), email: ownEmail((c.body.json as { email: string }).email) } },
      }
    : c;

/** A property runs only when one of its checks is selected. */
const runs = (...checks: string[]) => checks.some((c) => selected.has(c));

const check = async <T>(p: Property<T> | undefined) => {
  if (!p) return;
  const { failures, cases } = await explore(p, run);
  countCases(cases);
  report(failures);
};

describe.runIf(live)("conformance: generated cases", () => {
  guardFindings();
  expectChecks(2 * api.operations.length + 7); // the tests below
  let sandbox = ""; // a user of this run that valid updates go to

  /** The whole list, walked now: tests run one after another, so nothing this run does changes it meanwhile. */
  const fresh = async (): Promise<Baseline> => {
    const seen = await baseline(session.sender);
    report(fixedFailures(seen.observations, run));
    return seen.baseline;
  };

  beforeAll(async () => {
    if (writes) {
      const res = await session.sender.send({
        operation: "createUser",
        method: "POST",
        path: "/v2/users",
        body: {
          name: "Conformance Sandbox",
          email: newEmail("sandbox"),
          role: { type: "predefined", name: "member" },
          invite_mode: "none",
        },
      });
      const id = (res.exchange.json as { id?: unknown } | undefined)?.id;
      if (typeof id === "string") sandbox = id;
    }
  });

  /** Generated cases aimed where this run may go: own addresses, own user, ids no one has. */
  const aim = (c: RequestCase): RequestCase => {
    if (c.operationId === "createUser") return withOwnEmail(c);
    if (c.operationId === "updateUser" && sandbox) return { ...c, path: { user_id: sandbox } };
    if ("user_id" in c.path && c.operationId !== "getUser") return { ...c, path: { user_id: ghost(c.path.user_id!) } };
    return c;
  };

  it.each(api.operations.map((o) => o.operationId))("%s: generated valid requests", async (operationId) => {
    if (!allowed(operationId)) return skipped(`${operationId}: generated valid requests (writes not allowed)`);
    if (
      !runs(
        "positive_accepted",
        "no_server_error",
        "status_documented",
        "content_type",
        "response_schema",
        "required_headers",
        "prism_violation",
      )
    )
      return;
    await check({
      name: `${operationId} positive`,
      arbitrary: positiveCases(api.doc, operationId).map(aim),
      run: async (c) => {
        recordReached(c.operationId, c.covers);
        return session.positive(c);
      },
    });
  });

  it.each(api.operations.map((o) => o.operationId))(
    "%s: generated invalid requests (one broken constraint each)",
    async (operationId) => {
      if (!allowed(operationId)) return skipped(`${operationId}: generated invalid requests (writes not allowed)`);
      if (!runs("negative_rejected", "no_server_error", "status_documented", "content_type", "response_schema")) return;
      const cases = negativeCases(api.doc, operationId).map((c) =>
        c.constraint.location.startsWith("body.email") || c.constraint.location.startsWith("path.")
          ? { ...c, path: { ...c.path } }
          : (aim(c) as NegativeCase),
      );
      const observed: Awaited<ReturnType<typeof session.negative>> = [];
      countCases(
        await pool(cases, run.concurrency, run.deadline, async (c) => {
          recordBroken(c.constraint.id);
          observed.push(...(await session.negative(c)));
        }),
      );
      report(fixedFailures(observed, run));
    },
  );

  it("credentials: none, or a bogus key, get 401 on every operation this run may send", async () => {
    if (!runs("auth_required")) return;
    const id = ghost("QUJD");
    const observed = [];
    for (const o of api.operations.filter((x) => allowed(x.operationId) && x.secured)) {
      for (const [what, auth] of [
        ["no credentials", null],
        ["a bogus key", `Bearer bogus-${runId}`],
      ] as const) {
        const body =
          o.operationId === "createUser"
            ? {
                name: "Nobody",
                email: newEmail("nobody"),
                role: { type: "predefined", name: "member" },
                invite_mode: "none",
              }
            : o.operationId === "updateUser"
              ? { name: "Nobody" }
              : undefined;
        const sent = await session.sender.sendRequest(
          { operation: o.operationId, method: o.method, path: o.pathTemplate.replace("{user_id}", id), body, auth },
          true,
        );
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
    report(fixedFailures(observed, run));
  });

  it("listUsers: walking at any limit yields every user once, oldest first, pages full", async () => {
    if (runs("pagination_complete", "limit_respected", "order_created_at"))
      await check(paginationProperty(session.sender, await fresh()));
  });
  it("listUsers: a status filter of any subset keeps exactly those users", async () => {
    if (runs("filter_status")) await check(statusFilterProperty(session.sender, await fresh()));
  });
  it("listUsers: an email filter of any substring, in any case, keeps exactly the matches", async () => {
    if (runs("filter_email"))
      await check(
        emailFilterProperty(
          session.sender,
          await fresh(),
          arbitraryFor({ type: "string", maxLength: 40 }, "query.email").map((v) => v.value as string),
        ),
      );
  });
  it("getUser: a listed user, fetched by id, is the one listed", async () => {
    if (runs("get_matches_list")) await check(getMatchesListProperty(session.sender, await fresh()));
  });
  it("an id that belongs to no user gets 404", async () => {
    if (!runs("unknown_id_404")) return;
    const ops = [
      { operation: "getUser", method: "GET", tail: "" },
      ...(writes
        ? [
            { operation: "updateUser", method: "PATCH", tail: "", body: { name: "Ghost" } },
            { operation: "deleteUser", method: "DELETE", tail: "" },
            { operation: "resendInvitation", method: "POST", tail: "/resend-invitation" },
            { operation: "resetPassword", method: "POST", tail: "/reset-password" },
          ]
        : []),
    ];
    await check(unknownIdProperty(session.sender, idArb, ghost, ops));
  });

  it("a user's life: create, get, list, create again, update, resend/reset, delete", async () => {
    if (!writes)
      return skipped(
        "a user's life: create, get, list, create again, update, resend/reset, delete (writes not allowed)",
      );
    if (
      !runs(
        "create_reflects_request",
        "create_idempotent",
        "secret_not_echoed",
        "update_persisted",
        "delete_final",
        "state_refusal",
        "filter_status",
        "filter_email",
      )
    )
      return;
    const create = positiveCases(api.doc, "createUser").map((c) => (c.body as { json: CreateBody }).json);
    const update = positiveCases(api.doc, "updateUser").map((c) => (c.body as { json: UpdateBody }).json);
    const customRefusals =
      (schemaOf("CustomRoleAssignment")["x-may-refuse"] as { statuses?: string[] } | undefined)?.statuses ?? [];
    await check(
      lifeProperty(
        session.sender,
        {
          email: ownEmail,
          mayRefuse: (body) => (body.role.type === "custom" ? customRefusals : []),
        },
        create,
        update,
      ),
    );
  });
});
