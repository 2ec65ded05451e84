// The two verdicts every contract test relies on must fail on each kind of fault. Exchanges are
// built by hand here (the server is a plain function); none of them passes, so none is recorded
// as coverage.
import { describe, expect, it } from "vitest";
import { expectConforms, expectRefused, recorder, type Exchange } from "./context.ts";

const user = {
  id: "VXNlcjoxMjM0NQ==",
  name: "Jane Smith",
  email: "jane.smith@example.com",
  created_at: "2024-01-01T12:00:00Z",
  status: "active",
  role: { type: "predefined", name: "member" },
  is_developer: true,
};
const exchange = (patch: Partial<Exchange>): Exchange => ({
  method: "GET",
  url: "http://127.0.0.1:1/v2/users/VXNlcjoxMjM0NQ==",
  operationId: "getUser",
  status: 200,
  headers: new Headers({ "content-type": "application/json" }),
  body: JSON.stringify(user),
  slViolations: [],
  ...patch,
});
const problem = (status: number) => ({
  headers: new Headers({ "content-type": "application/problem+json" }),
  body: JSON.stringify({ title: "Unprocessable Entity", status }),
});

describe("expectConforms fails on", () => {
  it.each<[string, Partial<Exchange>, RegExp]>([
    [
      "an sl-violations warning",
      { slViolations: [{ location: ["response", "body"], severity: "Warning", message: "x" }] },
      /sl-violations/,
    ],
    [
      "a body the response checks reject",
      { body: JSON.stringify({ ...user, status: "ACTIVE" }) },
      /response_schema at body\.status: body\.status must be equal to one of the allowed values/,
    ],
    ["another status", { status: 201 }, /201/],
    ["another operation", { operationId: "listUsers" }, /listUsers/],
  ])("%s", (_, patch, message) => {
    expect(() => expectConforms(exchange(patch), "getUser", 200)).toThrow(message);
  });
});

describe("recorder", () => {
  it("an unreadable sl-violations header becomes a violation, not a crash", async () => {
    const served = () =>
      new Response(JSON.stringify(user), {
        headers: { "content-type": "application/json", "sl-violations": "not json" },
      });
    const rec = recorder(async () => served());
    await rec.fetch("http://127.0.0.1:1/v2/users/VXNlcjoxMjM0NQ==");
    expect(rec.last()).toMatchObject({ operationId: "getUser", status: 200, body: JSON.stringify(user) });
    expect(() => expectConforms(rec.last(), "getUser", 200)).toThrow(/unreadable sl-violations header: not json/);
  });
});

describe("expectRefused fails on", () => {
  const refused = (patch: Partial<Exchange>) =>
    exchange({
      method: "POST",
      url: "http://127.0.0.1:1/v2/users",
      operationId: "createUser",
      status: 422,
      ...problem(422),
      ...patch,
    });
  const atName = [{ location: ["request", "body", "name"], severity: "Error", message: "too long" }];
  it.each<[string, Partial<Exchange>, RegExp]>([
    ["a request the mock accepted", { status: 201, slViolations: atName }, /201/],
    [
      "a refusal that names another field",
      { slViolations: [{ location: ["request", "body", "email"], severity: "Error" }] },
      /sl-violations error at body\.name/,
    ],
    ["a refusal with no sl-violations", { slViolations: [] }, /sl-violations error at body\.name/],
    [
      "a refusal whose body is not a Problem",
      { slViolations: atName, body: "nope" },
      /response_schema at body: The body is not valid JSON/,
    ],
    [
      "a missing property named in no message",
      {
        slViolations: [
          { location: ["request", "body"], severity: "Error", message: "must have required property 'email'" },
        ],
      },
      /body\.name/,
    ],
  ])("%s", (_, patch, message) => {
    expect(() => expectRefused(refused(patch), "createUser", "body.name")).toThrow(message);
  });
});
