// Conformance mode, the part that changes data: only with CONTRACT_ALLOW_WRITES=1, and only on
// users this run creates (example.com addresses carrying the run id; the teardown deletes them).
import { isDeepStrictEqual } from "node:util";
import { beforeAll, describe, it } from "vitest";
import { check, created, expectRefused, ghostId, guardFindings, live, newEmail, send, skipped, writes, type Res } from "./conform.ts";

type User = { id: string; name: string; email: string; status: string; is_developer: boolean; role: unknown; [k: string]: unknown };
const member = { type: "predefined", name: "member" } as const;
const userPath = (u: User, tail = "") => `/v2/users/${encodeURIComponent(u.id)}${tail}`;

async function create(body: Record<string, unknown>): Promise<Res> {
  const res = await send({ operation: "createUser", method: "POST", path: "/v2/users", body });
  created(res);
  return res;
}
const get = (u: User) => send({ operation: "getUser", method: "GET", path: userPath(u) });
const patch = (u: User, body: unknown) => send({ operation: "updateUser", method: "PATCH", path: userPath(u), body });
const listByEmail = (email: string) => send({ operation: "listUsers", method: "GET", path: `/v2/users?limit=100&email=${encodeURIComponent(email)}` });
const usersOf = (res: Res) => ((res.json as { users?: User[] } | undefined)?.users ?? []);

const WRITE_CHECKS = [
  "createUser: 201 with the user as sent; is_developer defaults by role",
  "createUser: idempotent on email (invited → 200 same id; active or deleted → 409)",
  "createUser: temporary_password only in the 201 of that invite mode",
  "createUser: every constraint of the body refused (negative cases)",
  "updateUser: changes only what was sent; name stripped; every constraint refused",
  "deleteUser: 204, again 204, then get → 404 and gone from lists",
  "resendInvitation: 400 unless invited; resetPassword: 400 for an unverified user",
  "update/delete/resend/reset of an unknown id → 404",
  "createUser, updateUser, deleteUser, resendInvitation, resetPassword: no credentials / a bogus key → 401 (read-only runs send no writing request at all)",
];

describe.runIf(live && !writes)("conformance: writes (skipped)", () => {
  it("lists what a read-only run skips", () => {
    WRITE_CHECKS.forEach(skipped);
  });
});

describe.runIf(writes)("conformance: create, update, delete, resend", () => {
  guardFindings();
  let invited: User;
  let active: User;

  beforeAll(async () => {
    const a = await create({ name: "Conformance Invited", email: newEmail("invited"), role: member, invite_mode: "email_link" });
    invited = a.json as User;
    const b = await create({ name: "Conformance Active", email: newEmail("active"), role: member, invite_mode: "none" });
    active = b.json as User;
    const ok = check(a.status === 201, a, "createUser", "create a new user → 201", "An email_link invitation for a new address.") &&
      check(b.status === 201, b, "createUser", "create a new user → 201", "A none (pre-provisioned) user for a new address.");
    if (!ok) throw new Error(`cannot create the users the write checks need: ${a.status}, ${b.status}`);
  });

  it("create answers 201 with the user as sent, is_developer defaulting by role", async () => {
    check(invited.name === "Conformance Invited" && invited.role !== undefined && isDeepStrictEqual(invited.role, member) && invited.is_developer === true, undefined, "createUser", "create returns the user as sent",
      `Sent name "Conformance Invited", role member, no is_developer (defaults to true); got ${JSON.stringify(invited)}.`);
    check(invited.status === "invited" && active.status === "active", undefined, "createUser", "invite mode sets the status",
      `email_link must give an invited user (got ${invited.status}), none an active one (got ${active.status}).`);
    const res = await create({ name: "Conformance Annotator", email: newEmail("annotator"), role: { type: "predefined", name: "annotator" }, invite_mode: "email_link" });
    check(res.status === 201 && (res.json as User).is_developer === false, res, "createUser", "create returns the user as sent", "An annotator without is_developer defaults to false.");
  });

  it("create is idempotent on email: invited → 200 same id, active → 409", async () => {
    const again = await create({ name: "Conformance Invited", email: invited.email, role: member, invite_mode: "email_link" });
    check(again.status === 200 && (again.json as User).id === invited.id, again, "createUser", "create is idempotent on email",
      `A second create for the invited ${invited.email} must answer 200 with the same user (id ${invited.id}).`);
    const conflict = await create({ name: "Conformance Active", email: active.email, role: member, invite_mode: "email_link" });
    check(conflict.status === 409, conflict, "createUser", "create of an active user's email → 409", `${active.email} belongs to an active user.`);
  });

  it("temporary_password only in the 201 of that invite mode", async () => {
    const res = await create({ name: "Conformance Temp", email: newEmail("temp"), role: member, invite_mode: "temporary_password" });
    const pw = (res.json as { temporary_password?: unknown }).temporary_password;
    check(res.status === 201 && typeof pw === "string" && pw.length > 0, res, "createUser", "temporary_password in the 201", "invite_mode temporary_password must return the one-time password.");
    check(!("temporary_password" in (invited as object)), undefined, "createUser", "temporary_password only for that invite mode", "An email_link create carried a temporary_password.");
    const u = res.json as User;
    const fetched = await get(u);
    check(!("temporary_password" in ((fetched.json as object | undefined) ?? {})), fetched, "getUser", "temporary_password never shown again", "Get must not echo the one-time password.");
    const listed = usersOf(await listByEmail(u.email));
    check(listed.every((x) => !("temporary_password" in x)), undefined, "listUsers", "temporary_password never shown again", "The list must not echo the one-time password.");
  });

  it("update changes only what was sent, name stripped", async () => {
    const before = (await get(active)).json as User;
    const renamed = await patch(active, { name: "  Conformance Renamed  " });
    const after = renamed.json as User;
    check(renamed.status === 200 && after.name === "Conformance Renamed", renamed, "updateUser", "name is stripped", 'Sent "  Conformance Renamed  "; surrounding white space must be stripped.');
    check(isDeepStrictEqual({ ...after, name: before.name }, before), renamed, "updateUser", "update changes only what was sent", `Before: ${JSON.stringify(before)}`);
    const flipped = await patch(active, { is_developer: !before.is_developer });
    const now = flipped.json as User;
    check(flipped.status === 200 && isDeepStrictEqual(now, { ...after, is_developer: !before.is_developer }), flipped, "updateUser", "update changes only what was sent", `Only is_developer was sent; before: ${JSON.stringify(after)}`);
    const same = await patch(active, { is_developer: now.is_developer });
    check(same.status === 200 && isDeepStrictEqual(same.json, now), same, "updateUser", "setting a field to its value is a no-op", `Before: ${JSON.stringify(now)}`);
    const fetched = await get(active);
    check(isDeepStrictEqual(fetched.json, now), fetched, "getUser", "get shows the update", `Expected ${JSON.stringify(now)}.`);
  });

  it.each<[string, unknown]>([
    ["an empty body {} (at least one field)", {}],
    ["name empty (minLength 1)", { name: "" }],
    ["a blank name (stripped, then empty)", { name: "   " }],
    ["name of 256 characters (maxLength 255)", { name: "n".repeat(256) }],
    ["name a number (string)", { name: 5 }],
    ["is_developer a string (boolean)", { is_developer: "yes" }],
    ["a body that is not JSON", "{not json"],
    ["a body that is an array", "[]"],
  ])("update refuses %s", async (what, body) => {
    await expectRefused({ operation: "updateUser", method: "PATCH", path: userPath(active), body }, what);
  });

  it.each<[string, (email: string) => unknown]>([
    ["name missing (required)", (email) => ({ email, role: member, invite_mode: "none" })],
    ["email missing (required)", () => ({ name: "N", role: member, invite_mode: "none" })],
    ["role missing (required)", (email) => ({ name: "N", email, invite_mode: "none" })],
    ["invite_mode missing (required)", (email) => ({ name: "N", email, role: member })],
    ["name empty (minLength 1)", (email) => ({ name: "", email, role: member, invite_mode: "none" })],
    ["name of 256 characters (maxLength 255)", (email) => ({ name: "n".repeat(256), email, role: member, invite_mode: "none" })],
    ["email not an address (format email)", () => ({ name: "N", email: "not-an-email", role: member, invite_mode: "none" })],
    ["role a string (object)", (email) => ({ name: "N", email, role: "member", invite_mode: "none" })],
    ["role.name unknown (enum)", (email) => ({ name: "N", email, role: { type: "predefined", name: "owner" }, invite_mode: "none" })],
    ["role.name upper case (enum is lower case)", (email) => ({ name: "N", email, role: { type: "predefined", name: "MEMBER" }, invite_mode: "none" })],
    ["role.name missing (predefined requires name)", (email) => ({ name: "N", email, role: { type: "predefined" }, invite_mode: "none" })],
    ["role.type unknown (oneOf by const)", (email) => ({ name: "N", email, role: { type: "builtin", name: "member" }, invite_mode: "none" })],
    ["custom role with an id that is not base64 (Id pattern)", (email) => ({ name: "N", email, role: { type: "custom", id: "not*an*id" }, invite_mode: "none" })],
    ["invite_mode unknown (enum)", (email) => ({ name: "N", email, role: member, invite_mode: "sms" })],
    ["invite_mode upper case (enum is lower case)", (email) => ({ name: "N", email, role: member, invite_mode: "EMAIL_LINK" })],
    ["is_developer a string (boolean)", (email) => ({ name: "N", email, role: member, invite_mode: "none", is_developer: "yes" })],
    ["a body that is not JSON", () => "{not json"],
    ["a body that is an array", () => "[]"],
  ])("create refuses %s", async (what, body) => {
    const res = await expectRefused({ operation: "createUser", method: "POST", path: "/v2/users", body: body(newEmail("neg")) }, what);
    created(res); // should it have been accepted, the teardown still deletes it
  });

  it("resend: 400 unless invited, 204 for an invited user; reset-password: 400 for an unverified user", async () => {
    const notInvited = await send({ operation: "resendInvitation", method: "POST", path: userPath(active, "/resend-invitation") });
    check(notInvited.status === 400, notInvited, "resendInvitation", "resend on a non-invited user → 400", `${active.id} is active, not invited.`);
    const ok = await send({ operation: "resendInvitation", method: "POST", path: userPath(invited, "/resend-invitation") });
    check(ok.status === 204, ok, "resendInvitation", "resend on an invited user → 204", `${invited.id} is invited.`);
    const reset = await send({ operation: "resetPassword", method: "POST", path: userPath(invited, "/reset-password") });
    check(reset.status === 400, reset, "resetPassword", "reset-password for an unverified user → 400", `${invited.id} has not verified the account yet.`);
  });

  it("delete: 204, again 204, then get → 404, gone from lists, and the email cannot be re-invited", async () => {
    const del = () => send({ operation: "deleteUser", method: "DELETE", path: userPath(invited) });
    const first = await del();
    check(first.status === 204, first, "deleteUser", "delete → 204", `Deleting ${invited.id}.`);
    const again = await del();
    check(again.status === 204, again, "deleteUser", "delete again → 204 (idempotent)", `${invited.id} was deleted already; delete is idempotent.`);
    const fetched = await get(invited);
    check(fetched.status === 404, fetched, "getUser", "a deleted user → 404", `${invited.id} was deleted.`);
    const listed = await listByEmail(invited.email);
    check(!usersOf(listed).some((u) => u.id === invited.id), listed, "listUsers", "a deleted user is gone from lists", `${invited.id} was deleted but is still listed.`);
    const reinvite = await create({ name: "Conformance Invited", email: invited.email, role: member, invite_mode: "email_link" });
    check(reinvite.status === 409, reinvite, "createUser", "create of a deleted user's email → 409", "Deletion is terminal: the email cannot be re-invited.");
  });

  it("update, delete, resend and reset of an unknown id → 404", async () => {
    const ghost = { id: ghostId("ghost") } as User;
    for (const [operation, method, tail, body] of [
      ["updateUser", "PATCH", "", { name: "Ghost" }],
      ["deleteUser", "DELETE", "", undefined],
      ["resendInvitation", "POST", "/resend-invitation", undefined],
      ["resetPassword", "POST", "/reset-password", undefined],
    ] as const) {
      const res = await send({ operation, method, path: userPath(ghost, tail), body });
      check(res.status === 404, res, operation, "unknown id → 404", `${method} of an id that does not exist must answer 404.`);
    }
  });
});
