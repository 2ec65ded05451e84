// Model-based stateful conformance. fast-check generates sequences of operations (fc.commands):
// list with any filters and limit, get, create in any invite mode, create again with the email of
// a user in any state, update, delete (once, twice, then anything), resend, reset. fc.asyncModelRun
// runs each against the server and a model of the account (model.ts): a command runs when its
// precondition holds on the model, checks the answer against it, and updates it as the spec says.
// After every write come the invariants, as Hypothesis's @invariant: the user it touched reads back
// by id and in a list as the model says. The first broken promise ends the sequence (the model no
// longer predicts the server) and is reported with the steps that led to it; fast-check shrinks
// it to the shortest sequence that still breaks the same promise.
import fc from "fast-check";
import { type ClauseObservation, ClauseTally, type Step } from "./clauses.ts";
import {
  type CreateBody,
  expectedFromUpdate,
  judgeCreated,
  judgeCreatedAgain,
  judgeDeleted,
  judgeGone,
  judgeListing,
  judgeRead,
  eligible,
  judgeStateRefusal,
  type StateDependent,
  judgeUpdated,
  storedView,
  type UpdateBody,
} from "./judges.ts";
import {
  type AccountModel,
  addCreated,
  type ModelUser,
  modelOf,
  nameOf,
  pickKnown,
  pickOwn,
  stateOf,
} from "./model.ts";
import {
  type CountedProperty,
  cutNeedle,
  listPath,
  type NeedleCut,
  needleCutArb,
  STATUSES,
  type Sender,
  statusQuery,
  userPath,
  type WriteHooks,
  walk,
  walkChecks,
} from "./properties.ts";
import type { Exchange, Observation } from "./runner.ts";
import { type Api, resolvePointer } from "./spec.ts";

export interface StatefulOptions {
  /** Create, update, delete, resend and reset users the sequence creates; false: list and get only. */
  writes: boolean;
  /** False for a server that keeps no state (the Prism mock): each answer's response checks and acceptance only. */
  model?: boolean;
  /** Commands per sequence, at most (15 when not given). */
  maxCommands?: number;
  /** Statuses besides 2xx each operation may answer a valid request: `refusalsOf(api)`. */
  refusals: Record<string, readonly string[]>;
  /** Counts the clauses asserted (the coverage report); one per run, shared by its properties. */
  tally?: ClauseTally;
}

/** What the sequence's commands share besides the model: how to send, and what the sequence saw. */
interface Run {
  sender: Sender;
  hooks: WriteHooks;
  refusals: Record<string, readonly string[]>;
  model: boolean;
  tally: ClauseTally;
  /** One per command that ran (its deciding request), and the invariant reads that found something. */
  steps: Step[];
  found: ClauseObservation[];
}

export type SequenceCommand = fc.AsyncCommand<AccountModel, Run>;

/** Ends a sequence at its first broken promise. */
class Broken extends Error {}

const MAX_START_PAGES = 5; // the account as the sequence starts: its first 500 users
const MAX_WALK_PAGES = 10; // a list command follows at most this many cursors

/** Statuses besides 2xx each operation may answer a valid request, from the spec's x-may-refuse. */
export function refusalsOf(api: Api): Record<string, string[]> {
  return Object.fromEntries(
    api.operations.map((o) => {
      const marker = resolvePointer(api.doc, `${o.pointer}/x-may-refuse`) as { statuses?: string[] } | undefined;
      return [o.operationId, [...(marker?.statuses ?? [])]];
    }),
  );
}

// ---- steps: what each command sent, and what it found ------------------------------------------

/** A sender that keeps every exchange and what the run's sender observed on it (the response checks). */
function recorder(run: Run) {
  const exchanges: Exchange[] = [];
  const seen: Observation[] = [];
  const sender: Sender = {
    async send(r) {
      const sent = await run.sender.send(r);
      exchanges.push(sent.exchange);
      seen.push(...sent.observations);
      return { exchange: sent.exchange, observations: [] };
    },
  };
  return { sender, exchanges, seen };
}

/**
 * Runs one step: `act` sends what it needs and returns the promises its answers break. The step
 * is recorded (its deciding request: the one that broke a promise, else the last) unless it is
 * an invariant read that found nothing; what it found carries the steps so far. A broken promise,
 * or a server error (what did the write do?), ends the sequence.
 */
async function step(
  run: Run,
  label: string,
  act: (send: Sender) => Promise<Observation[]>,
  record: "always" | "when found" = "always",
): Promise<void> {
  const rec = recorder(run);
  const judged = await act(rec.sender);
  const all = [...judged, ...rec.seen];
  if (record === "when found" && !all.length) return;
  const shown = all.find((o) => o.exchange)?.exchange ?? rec.exchanges.at(-1);
  if (shown) run.steps.push({ label, request: shown.request, status: shown.status });
  const steps = [...run.steps];
  run.found.push(...all.map((o) => ({ ...o, steps })));
  if (judged.length || rec.exchanges.some((x) => x.status >= 500)) throw new Broken(label);
}

/** A valid request: 2xx, or a status the spec allows here (a 5xx is the response checks' finding). */
function accepted(operation: string, x: Exchange, allowed: readonly string[], what: string): Observation[] {
  if ((x.status >= 200 && x.status < 300) || allowed.includes(String(x.status)) || x.status >= 500) return [];
  const besides = allowed.length ? `; the spec allows only 2xx or ${allowed.join("/")} here` : "";
  return [{ check: "positive_accepted", operation, message: `${what} answered ${x.status}${besides}.`, exchange: x }];
}

const send = async (s: Sender, operation: string, method: string, path: string, body?: unknown) =>
  (await s.send({ operation, method, path, ...(body !== undefined && { body }) })).exchange;

// ---- the invariants, after every write ---------------------------------------------------------

/** A get of a known user: 404 once deleted, else as the model says (a create's answer is taken as get shows it). */
function judgeReadBack(u: ModelUser, x: Exchange, run: Run): Observation[] {
  if (u.deleted) return judgeGone(x, run.tally);
  const broken = judgeRead(u.view, u.last, x, run.tally);
  if (!broken.length && u.last.kind === "create") u.view = storedView(x.json); // fields the create left to the server
  return broken;
}

/**
 * The invariants of the user a write touched: by id, as the model says (or 404 once deleted); and
 * in the lists that should show it (filtered by its email, and by its email and its status): the
 * users of the model with that address, exactly, as get shows them; the deleted in none.
 */
async function invariants(m: AccountModel, run: Run, u: ModelUser): Promise<void> {
  await step(
    run,
    `then get(${nameOf(u)})`,
    async (s) => judgeReadBack(u, await send(s, "getUser", "GET", userPath(u.view.id)), run),
    "when found",
  );
  for (const statuses of [undefined, [u.view.status]]) {
    const filter = { needle: u.view.email, statuses };
    const query = `${statusQuery(statuses ?? [])}&email=${encodeURIComponent(filter.needle)}`;
    const what = listText(undefined, statuses, filter.needle);
    await step(
      run,
      `then ${what}`,
      async (s) => {
        const w = await walk(s, query, undefined, 3, run.tally);
        return [...walkChecks(w, undefined, query, run.tally), ...judgeListing(m.users, filter, w, what, run.tally)];
      },
      "when found",
    );
  }
}

// ---- commands -----------------------------------------------------------------------------------

const command = (
  name: string,
  check: (m: Readonly<AccountModel>) => boolean,
  run: (m: AccountModel, r: Run) => Promise<void>,
): SequenceCommand => ({ check, run, toString: () => name });

const alwaysOn = () => true;
const hasOwn = (pick: number) => (m: Readonly<AccountModel>) => !!pickOwn(m, pick);

const createText = (b: CreateBody) =>
  `${b.invite_mode}, ${b.role.type === "predefined" ? b.role.name : "custom role"}${b.is_developer === undefined ? "" : `, is_developer ${b.is_developer}`}`;
const updateText = (b: UpdateBody) => Object.keys(b).join(" and ");

const newAddressRefused = (x: Exchange): Observation => ({
  check: "positive_accepted",
  operation: "createUser",
  message: `A valid create for a new address answered ${x.status}, not 201.`,
  exchange: x,
});

/** Create a user with a new address of this run: 201 with what was sent (or a refusal the spec allows for it). */
const create = (body: CreateBody): SequenceCommand =>
  command(`create(${createText(body)})`, alwaysOn, async (m, run) => {
    const sent = { ...body, email: run.hooks.email(body.email) };
    let made: Exchange | undefined;
    await step(run, `create(${createText(sent)}) → #${m.own.length + 1}`, async (s) => {
      made = await send(s, "createUser", "POST", "/v2/users", sent);
      if (!run.model)
        return accepted(
          "createUser",
          made,
          [...run.hooks.mayRefuse(sent), ...(run.refusals.createUser ?? [])],
          "create",
        );
      if (made.status === 201) return judgeCreated(sent, made, run.tally);
      return run.hooks.mayRefuse(sent).includes(String(made.status)) || made.status >= 500
        ? []
        : [newAddressRefused(made)];
    });
    const id = (made?.json as { id?: unknown } | undefined)?.id;
    if (!made || made.status >= 300 || typeof id !== "string") return; // refused, as the spec allows: no user
    const u = addCreated(m, { ...storedView(made.json), email: sent.email }, { kind: "create", body: sent });
    if (run.model) await invariants(m, run, u);
  });

/**
 * Create again with the address of one of this sequence's users, whatever its state. For an
 * invited user, invite mode none becomes email_link: the spec says what none does to an active
 * user's address only.
 */
const createAgain = (pick: number, body: CreateBody): SequenceCommand =>
  command(`create again(user ${pick}, ${createText(body)})`, hasOwn(pick), async (m, run) => {
    const u = pickOwn(m, pick)!;
    const prior = stateOf(u);
    const mode = prior === "invited" && body.invite_mode === "none" ? "email_link" : body.invite_mode;
    const sent = { ...body, invite_mode: mode, email: u.view.email };
    await step(run, `create again(${nameOf(u)}, ${createText(sent)})`, async (s) => {
      const x = await send(s, "createUser", "POST", "/v2/users", sent);
      if (!run.model) return accepted("createUser", x, run.refusals.createUser ?? [], "create again");
      return judgeCreatedAgain(prior, u.view, mode, x, run.tally);
    });
    if (run.model) await invariants(m, run, u);
  });

/** What the spec allows an operation on one of this sequence's users without a model: its refusals, 404 once deleted. */
const shapeAllowed = (run: Run, operation: string, u: ModelUser) => [
  ...(run.refusals[operation] ?? []),
  ...(u.deleted ? ["404"] : []),
];

const update = (pick: number, body: UpdateBody): SequenceCommand =>
  command(`update(user ${pick}: ${updateText(body)})`, hasOwn(pick), async (m, run) => {
    const u = pickOwn(m, pick)!;
    await step(run, `update(${nameOf(u)}: ${updateText(body)})`, async (s) => {
      const x = await send(s, "updateUser", "PATCH", userPath(u.view.id), body);
      if (!run.model) return accepted("updateUser", x, shapeAllowed(run, "updateUser", u), "update");
      if (u.deleted) return []; // the spec promises nothing about the answer; a later get still answers 404
      return judgeUpdated(u.view, body, x, run.tally);
    });
    if (!run.model) return;
    if (!u.deleted) {
      u.view = expectedFromUpdate(u.view, body);
      u.last = { kind: "update", body };
    }
    await invariants(m, run, u);
  });

const remove = (pick: number): SequenceCommand =>
  command(`delete(user ${pick})`, hasOwn(pick), async (m, run) => {
    const u = pickOwn(m, pick)!;
    await step(run, `delete(${nameOf(u)})`, async (s) => {
      const x = await send(s, "deleteUser", "DELETE", userPath(u.view.id));
      return run.model
        ? judgeDeleted(x, run.tally)
        : accepted("deleteUser", x, shapeAllowed(run, "deleteUser", u), "delete");
    });
    u.deleted = true;
    if (run.model) await invariants(m, run, u);
  });

/**
 * Resend or reset: refused (400) in the states the spec names; accepted (2xx, or its x-may-refuse)
 * otherwise; nothing promised once deleted. Neither changes the user.
 */
const stateDependent = (operation: StateDependent, pick: number): SequenceCommand => {
  const [verb, tail] =
    operation === "resendInvitation" ? ["resend", "/resend-invitation"] : ["reset", "/reset-password"];
  return command(`${verb}(user ${pick})`, hasOwn(pick), async (m, run) => {
    const u = pickOwn(m, pick)!;
    await step(run, `${verb}(${nameOf(u)})`, async (s) => {
      const x = await send(s, operation, "POST", userPath(u.view.id, tail));
      if (!run.model) return accepted(operation, x, shapeAllowed(run, operation, u), verb);
      if (u.deleted) return [];
      const { status } = u.view;
      return eligible(operation, status)
        ? accepted(operation, x, run.refusals[operation] ?? [], `${verb} to a ${status} user`)
        : judgeStateRefusal(operation, status, x, run.tally);
    });
    if (run.model) await invariants(m, run, u);
  });
};

/** Get a user the model knows: one of this sequence's (any state), else one the account held. */
const get = (pick: number): SequenceCommand =>
  command(
    `get(user ${pick})`,
    (m) => !!pickKnown(m, pick),
    async (m, run) => {
      const u = pickKnown(m, pick)!;
      await step(run, `get(${nameOf(u)})`, async (s) => {
        const x = await send(s, "getUser", "GET", userPath(u.view.id));
        return run.model ? judgeReadBack(u, x, run) : accepted("getUser", x, u.deleted ? ["404"] : [], "get");
      });
    },
  );

export interface ListArgs {
  limit?: number | undefined;
  statuses?: string[] | undefined;
  /** A needle cut from the email of a user the model knows (the sequence's, counting back from the latest; else the account's). */
  needle?: { pick: number; cut: NeedleCut } | undefined;
}

const listText = (limit: number | undefined, statuses: string[] | undefined, needle: string | undefined) =>
  `list(${[
    limit === undefined ? "" : `limit ${limit}`,
    statuses ? `status ${statuses.join("|")}` : "",
    needle === undefined ? "" : `email ${JSON.stringify(needle)}`,
  ]
    .filter(Boolean)
    .join(", ")})`;

/** List with any filters and limit, following cursors: every page, and the whole walk, against the model. */
const list = ({ limit, statuses, needle: cut }: ListArgs): SequenceCommand =>
  command(listText(limit, statuses, cut ? "…" : undefined), alwaysOn, async (m, run) => {
    const from = cut ? pickKnown(m, cut.pick) : undefined;
    const needle = from && cut ? cutNeedle(from.view.email, cut.cut) : undefined;
    const query = `${statusQuery(statuses ?? [])}${needle === undefined ? "" : `&email=${encodeURIComponent(needle)}`}`;
    const what = listText(limit, statuses, needle);
    await step(run, what, async (s) => {
      if (!run.model) return accepted("listUsers", await send(s, "listUsers", "GET", listPath(limit, query)), [], what);
      const w = await walk(s, query, limit, MAX_WALK_PAGES, run.tally);
      const broken = [
        ...walkChecks(w, limit, query, run.tally),
        ...judgeListing(m.users, { statuses, needle }, w, what, run.tally),
      ];
      // Listed by a whole walk without filters: a later walk that misses it breaks pagination.
      if (w.complete && !query) for (const u of m.users) u.seenListed ||= w.users.some((x) => x.id === u.view.id);
      return broken;
    });
  });

// ---- the property -------------------------------------------------------------------------------

// Limits at the edges (1, 2, 3, the default's 50, 100) and anywhere; omitted a third of the time (nil is 1 / freq).
const limitArb = fc.option(fc.oneof(fc.constantFrom(1, 2, 3, 50, 100), fc.integer({ min: 1, max: 100 })), {
  nil: undefined,
  freq: 3,
});
// Which of the sequence's users a command acts on, counting back from the latest: mostly the latest
// (the commands of a sequence meet on one user, as the interesting sequences do), sometimes another.
const pickArb = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 7 }) });

/** An update of name, of is_developer, or of both (the generated bodies carry both more often than not). */
const eitherOrBoth = (update: fc.Arbitrary<UpdateBody>): fc.Arbitrary<UpdateBody> =>
  fc.tuple(update, fc.subarray(["name", "is_developer"] as const, { minLength: 1 })).map(([body, keys]) => {
    const kept = Object.fromEntries(Object.entries(body).filter(([k]) => (keys as readonly string[]).includes(k)));
    return Object.keys(kept).length ? (kept as UpdateBody) : body;
  });

/** Creates, mostly with predefined roles: custom roles are refused (x-may-refuse), a few will do. */
const createsArb = (create: fc.Arbitrary<CreateBody>) =>
  fc.oneof({ weight: 5, arbitrary: predefinedArb(create) }, { weight: 1, arbitrary: create });
const predefinedArb = (create: fc.Arbitrary<CreateBody>) => create.filter((b) => b.role.type === "predefined");

/** The commands a sequence is made of, weighted: reads always; writes when allowed. */
export function commandArb(
  bodies: { create: fc.Arbitrary<CreateBody>; update: fc.Arbitrary<UpdateBody> },
  writes: boolean,
): fc.Arbitrary<SequenceCommand> {
  const reads = [
    {
      weight: 3,
      arbitrary: fc
        .record({
          limit: limitArb,
          statuses: fc.option(fc.shuffledSubarray([...STATUSES], { minLength: 1 }), { nil: undefined, freq: 2 }),
          needle: fc.option(fc.record({ pick: pickArb, cut: needleCutArb }), { nil: undefined, freq: 2 }),
        })
        .map(list),
    },
    { weight: 1, arbitrary: pickArb.map(get) },
  ];
  if (!writes) return fc.oneof(...reads);
  // A second create with a custom role: whether its 409 or the role's refusal comes first, the spec does not say.
  const again = fc.tuple(pickArb, predefinedArb(bodies.create));
  const updates = fc.tuple(pickArb, eitherOrBoth(bodies.update));
  return fc.oneof(
    { weight: 3, arbitrary: createsArb(bodies.create).map(create) },
    { weight: 3, arbitrary: again.map(([pick, body]) => createAgain(pick, body)) },
    { weight: 4, arbitrary: updates.map(([pick, body]) => update(pick, body)) },
    { weight: 2, arbitrary: pickArb.map(remove) },
    { weight: 1, arbitrary: pickArb.map((pick) => stateDependent("resendInvitation", pick)) },
    { weight: 1, arbitrary: pickArb.map((pick) => stateDependent("resetPassword", pick)) },
    ...reads,
  );
}

/** A sequence: with writes, the user it starts with (as Hypothesis's @initialize), then its commands. */
export interface Sequence {
  first?: CreateBody | undefined;
  commands: Iterable<SequenceCommand>;
}

/**
 * Sequences of up to `maxCommands` commands, about half that many on average (fast-check's
 * commands, which shrink to the fewest that still fail; size "max": without it, fast-check's
 * default size caps a sequence at 10 whatever the maximum).
 */
export function sequenceArb(
  bodies: { create: fc.Arbitrary<CreateBody>; update: fc.Arbitrary<UpdateBody> },
  writes: boolean,
  maxCommands: number,
): fc.Arbitrary<Sequence> {
  const commands = fc.commands([commandArb(bodies, writes)], { maxCommands, size: "max" });
  // Commands first: fast-check shrinks a record field by field, and its commands shrink (which
  // drops the commands that did not run) works only when it comes before the other fields'.
  return writes ? fc.record({ commands, first: createsArb(bodies.create) }) : fc.record({ commands });
}

/**
 * The model as the sequence starts: the list, walked (its first pages on a big account; nothing to
 * model for a server without state); then, with writes, the sequence's first user (as Hypothesis's
 * @initialize), so that commands on its own users have one.
 */
async function start(run: Run, first: CreateBody | undefined): Promise<{ model: AccountModel; real: Run }> {
  let model = modelOf([]);
  if (run.model) {
    const rec = recorder(run);
    const w = await walk(rec.sender, "", 100, MAX_START_PAGES, run.tally);
    run.found.push(...rec.seen, ...w.observations);
    model = modelOf(w.users);
  }
  if (first) await create(first).run(model, run);
  return { model, real: run };
}

/**
 * Sequences of operations against a model of the account, every promise checked after every step
 * that could change it. Users it creates get addresses from `hooks.email` (the run deletes them at
 * its end); without writes, only list and get run, on the account's users. Sequences must not
 * interleave: concurrency 1.
 */
export function statefulProperty(
  sender: Sender,
  hooks: WriteHooks,
  bodies: { create: fc.Arbitrary<CreateBody>; update: fc.Arbitrary<UpdateBody> },
  options: StatefulOptions,
): CountedProperty<Sequence> {
  const tally = options.tally ?? new ClauseTally();
  return {
    name: `sequences of operations against a model of the account${options.writes ? "" : " (reads only)"}`,
    arbitrary: sequenceArb(bodies, options.writes, options.maxCommands ?? 15),
    concurrency: 1,
    assertedClauses: tally,
    async run({ first, commands }) {
      const run: Run = {
        sender,
        hooks,
        refusals: options.refusals,
        model: options.model ?? true,
        tally,
        steps: [],
        found: [],
      };
      try {
        await fc.asyncModelRun(() => start(run, first), commands);
      } catch (err) {
        if (!(err instanceof Broken)) throw err;
      }
      return run.found;
    },
  };
}
