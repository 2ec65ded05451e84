import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  checkExactly,
  checkLimit,
  checkNoRepeats,
  checkOrder,
  differences,
  expectedFromCreate,
  needleArb,
} from "./properties.ts";
import { page, user } from "./test-users.ts";

describe("promise checks over observations", () => {
  it("limit_respected: a full page with has_more passes; more than limit, or fewer with has_more, fails", () => {
    expect(checkLimit([page([user(1), user(2)], true), page([user(3)], false)], 2)).toEqual([]);
    expect(checkLimit([page([user(1), user(2), user(3)], false)], 2)[0]?.message).toMatch(/page 1 holds 3 users/);
    expect(checkLimit([page([user(1)], true)], 2)[0]?.message).toMatch(/holds 1 users and says has_more/);
    // limit omitted: 50, exactly when has_more.
    const fifty = Array.from({ length: 50 }, (_, i) => user(i));
    expect(checkLimit([page(fifty, true), page([user(1)], false)], undefined)).toEqual([]);
    expect(checkLimit([page(fifty.slice(20), true)], undefined)[0]).toMatchObject({
      clause: "limit_respected.default_limit",
      message: "limit omitted (50): page 1 holds 30 users and says has_more.",
    });
  });

  it("pagination_complete: a user on two pages is reported once", () => {
    expect(checkNoRepeats([page([user(1), user(2)], true), page([user(2), user(3)], false)], 2)).toHaveLength(1);
    expect(checkNoRepeats([page([user(1)], true), page([user(2)], false)], 1)).toEqual([]);
  });

  it("order_created_at: names the first pair out of order", () => {
    expect(checkOrder([user(1), user(2), user(3)], undefined, "q")).toEqual([]);
    expect(checkOrder([user(1), user(3), user(2)], undefined, "q")[0]?.message).toMatch(/id3 .* comes before id2/);
  });

  it("exactly: names the missing and the extra users", () => {
    expect(checkExactly("filter_status.exact", [user(1)], [user(1)], "w", undefined)).toEqual([]);
    const [o] = checkExactly("filter_status.exact", [user(1), user(3)], [user(1), user(2)], "status=active", undefined);
    expect(o?.message).toMatch(/missing id2 .*should not list id3/);
    expect(o?.check).toBe("filter_status");
  });

  it("create: defaults is_developer by role, status by invite mode, ignores a custom role's name", () => {
    expect(
      expectedFromCreate({
        name: "A",
        email: "a@x.io",
        role: { type: "predefined", name: "annotator" },
        invite_mode: "none",
      }),
    ).toMatchObject({ is_developer: false, status: "active" });
    expect(
      expectedFromCreate({
        name: "A",
        email: "a@x.io",
        role: { type: "predefined", name: "admin" },
        invite_mode: "email_link",
      }),
    ).toMatchObject({ is_developer: true, status: "invited" });
    expect(
      expectedFromCreate({
        name: "A",
        email: "a@x.io",
        role: { type: "custom", id: "QQ==" },
        invite_mode: "email_link",
      }),
    ).not.toHaveProperty("role");
    expect(differences({ name: "A", is_developer: true }, { name: "A", is_developer: false })).toEqual([
      "is_developer: sent/expected false, got true",
    ]);
    // A broken body (no JSON) is a difference, not a crash of the check.
    expect(differences(undefined, { name: "A" })).toEqual(["expected a user object, got no JSON"]);
  });

  it("needles are substrings of the emails, in any case", () => {
    const emails = ["Jane.Smith+tag@example.com", "sam@example.org"];
    fc.assert(
      fc.property(
        needleArb(emails, fc.constant("%_")),
        (needle) => needle === "%_" || emails.some((e) => e.toLowerCase().includes(needle.toLowerCase())),
      ),
    );
  });
});
