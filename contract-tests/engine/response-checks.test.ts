// Each response check fires on the fault it guards and stays quiet on a conforming answer; a
// oneOf/anyOf reports the branch that was meant, and `where` collapses array indexes.
import { describe, expect, it } from "vitest";
import {
  checkResponse,
  meantErrors,
  RESPONSE_CHECKS,
  responseSchema,
  responseSpec,
  runResponseChecks,
  type ResponseCheckId,
  type ResponseSpec,
} from "./response-checks.ts";
import { loadApi } from "./spec.ts";
import { user } from "../../bench/fixture.ts"; // the spec's User example, typed against the generated schema

const api = await loadApi();
const spec = responseSpec(api);
const json = { "content-type": "application/json" };
const problemJson = { "content-type": "application/problem+json" };
const tooMany = { type: "about:blank", title: "Too Many Requests", status: 429 };
const run = (operationId: string, status: number, headers: Record<string, string>, body?: unknown) =>
  runResponseChecks(spec, {
    operationId,
    status,
    headers,
    body: body === undefined || typeof body === "string" ? body : JSON.stringify(body),
  });
const getUser = (body: unknown, status = 200, headers: Record<string, string> = json) =>
  run("getUser", status, headers, body);
const of = (check: ResponseCheckId, list: ReturnType<typeof run>) => list.filter((v) => v.check === check);

describe("response checks: conforming answers give no violation", () => {
  it.each([
    ["a user", () => getUser(user)],
    [
      "a Problem with a charset",
      () =>
        getUser({ type: "about:blank", title: "Not Found", status: 404 }, 404, {
          "content-type": "application/problem+json; charset=utf-8",
        }),
    ],
    ["a bodiless 204", () => run("deleteUser", 204, {})],
    ["a 429 with Retry-After", () => run("listUsers", 429, { ...problemJson, "Retry-After": "30" }, tooMany)],
    [
      "a 429 with Retry-After, as fetch's Headers",
      () =>
        runResponseChecks(spec, {
          operationId: "listUsers",
          status: 429,
          headers: new Headers({ ...problemJson, "Retry-After": "30" }),
          body: JSON.stringify(tooMany),
        }),
    ],
    [
      "a page with a cursor",
      () => run("listUsers", 200, json, { users: [user, user], pagination: { has_more: true, next_cursor: "abc" } }),
    ],
  ])("%s", (_, answer) => expect(answer()).toEqual([]));
});

describe("response checks: each fires on its fault", () => {
  it("no_server_error: any 5xx (and status_documented leaves it alone)", () => {
    const v = getUser({ title: "boom" }, 503, problemJson);
    expect(v).toEqual([expect.objectContaining({ check: "no_server_error", where: "status 503" })]);
  });

  it("status_documented: a 418 is documented nowhere; a 4XX range or default would be", () => {
    expect(getUser("", 418, {})).toEqual([
      expect.objectContaining({
        check: "status_documented",
        where: "status 418",
        message: expect.stringMatching(/418 is not documented for getUser \(documented: 200, /),
      }),
    ]);
    const ranged = responseSpec({
      ...api,
      operation: () => ({ ...api.operation("getUser"), statuses: ["200", "4XX", "default"] }),
    });
    expect(ranged.documented("getUser", 418)?.key).toBe("4XX");
    expect(ranged.documented("getUser", 302)?.key).toBe("default");
  });

  it("content_type: undocumented media type, a body where none is documented, no body where one is", () => {
    expect(of("content_type", getUser("Not Found", 404, { "content-type": "text/plain" }))).toEqual([
      expect.objectContaining({
        where: "header.content-type",
        message: expect.stringMatching(/"text\/plain" is not documented/),
      }),
    ]);
    expect(of("content_type", getUser(user, 200, {}))[0]?.message).toMatch(/Content-Type null/);
    expect(of("content_type", getUser(user, 200, problemJson))).toEqual([
      expect.objectContaining({
        where: "header.content-type",
        message: expect.stringMatching(
          /"application\/problem\+json" is not documented for 200 \(documented: application\/json\)/,
        ),
      }),
    ]);
    expect(of("content_type", run("deleteUser", 204, json, "{}"))).toEqual([
      expect.objectContaining({ where: "body", message: expect.stringMatching(/without a body, got 2 bytes/) }),
    ]);
    expect(of("content_type", getUser(""))).toEqual([
      expect.objectContaining({ where: "body", message: expect.stringMatching(/empty/) }),
    ]);
  });

  it("response_schema: invalid JSON, and a schema fault located with indexes collapsed in `where`", () => {
    expect(of("response_schema", getUser("{not json"))).toEqual([
      expect.objectContaining({ where: "body", message: expect.stringMatching(/not valid JSON/) }),
    ]);
    const page = {
      users: [user, { ...user, status: "ACTIVE" }, { ...user, status: "INVITED" }],
      pagination: { has_more: false },
    };
    const v = run("listUsers", 200, json, page);
    expect(v.map((x) => x.where)).toEqual(["body.users[].status", "body.users[].status"]);
    expect(v[0]).toMatchObject({
      check: "response_schema",
      message: expect.stringMatching(
        /^body\.users\[1\]\.status must be equal to one of the allowed values \(active, .*got "ACTIVE"$/,
      ),
    });
    expect(of("response_schema", getUser({ ...user, email: undefined }))).toEqual([
      expect.objectContaining({ where: "body.email", message: "body must have required property 'email'" }),
    ]);
    expect(run("listUsers", 200, json, { users: [user] })).toEqual([
      expect.objectContaining({ where: "body.pagination", message: "body must have required property 'pagination'" }),
    ]);
  });

  it.each([
    [
      "upper-case status",
      { ...user, status: "ACTIVE" },
      "body.status",
      /^body\.status must be equal to one of the allowed values \(active, invited, expired\); got "ACTIVE"$/,
    ],
    [
      "malformed created_at",
      { ...user, created_at: "yesterday" },
      "body.created_at",
      /^body\.created_at must match format "date-time"; got "yesterday"$/,
    ],
    ["bad email", { ...user, email: "not-an-email" }, "body.email", /^body\.email must match format "email"/],
    [
      "non-boolean is_developer",
      { ...user, is_developer: "yes" },
      "body.is_developer",
      /^body\.is_developer must be boolean; got "yes"$/,
    ],
  ])("response_schema on a user: %s", (_, body, where, message) => {
    expect(getUser(body)).toEqual([
      { check: "response_schema", where, message: expect.stringMatching(message), schemaPath: expect.any(String) },
    ]);
  });

  it("response_schema: a Problem whose status disagrees with the HTTP status", () => {
    const v = getUser({ type: "about:blank", title: "Not Found", status: 400 }, 404, problemJson);
    expect(v).toEqual([
      expect.objectContaining({
        check: "response_schema",
        where: "body.status",
        message: expect.stringMatching(/^body\.status must be equal to constant; got 400$/),
      }),
    ]);
  });

  it("response_schema: an additional property is named in `where` (the message is Ajv's)", () => {
    const schema = { type: "object", properties: { a: {} }, additionalProperties: false };
    const stub: ResponseSpec = {
      ...spec,
      documented: (_, status) => ({ key: String(status), response: { content: { "application/json": { schema } } } }),
    };
    expect(
      responseSchema({ operationId: "getUser", status: 200, headers: json, body: '{"a":1,"extra":2}' }, stub),
    ).toEqual([
      expect.objectContaining({
        check: "response_schema",
        where: "body.extra",
        message: "body must NOT have additional properties",
      }),
    ]);
  });

  it("required_headers: Retry-After missing on a 429, or not an integer", () => {
    expect(run("listUsers", 429, problemJson, tooMany)).toEqual([
      expect.objectContaining({
        check: "required_headers",
        where: "header.Retry-After",
        message: expect.stringMatching(/required for 429 but missing/),
      }),
    ]);
    expect(run("listUsers", 429, { ...problemJson, "retry-after": "soon" }, tooMany)).toEqual([
      expect.objectContaining({ check: "required_headers", message: 'header.Retry-After must be integer; got "soon"' }),
    ]);
    expect(run("createUser", 429, { ...problemJson, "retry-after": "-1" }, tooMany)).toEqual([
      expect.objectContaining({
        check: "required_headers",
        where: "header.Retry-After",
        message: "header.Retry-After must be >= 0; got -1",
      }),
    ]);
  });

  it("an unknown operation is a clear error", () => {
    expect(() => run("nope", 200, json, user)).toThrow(/no operation nope in the spec \(known: listUsers/);
  });
});

describe("oneOf/anyOf: only the branch that was meant", () => {
  it("role {type: predefined, name: MEMBER} → one enum violation at body.role.name, nothing about id", () => {
    const v = getUser({ ...user, role: { type: "predefined", name: "MEMBER" } });
    expect(v).toEqual([
      {
        check: "response_schema",
        where: "body.role.name",
        schemaPath: expect.stringMatching(/oneOf\/0\/properties\/name\/enum$/),
        message: expect.stringMatching(/allowed values \(admin, member, annotator\); got "MEMBER"/),
      },
    ]);
  });

  it("the const picks the branch even when another has fewer errors", () => {
    const schema = {
      oneOf: [
        { type: "object", properties: { kind: { const: "a" }, x: { type: "string" }, y: { type: "string" } } },
        { type: "object", properties: { kind: { const: "b" } } },
      ],
    };
    const fn = spec.compile(schema);
    const value = { kind: "a", x: 1, y: 2 };
    expect(fn(value)).toBe(false);
    expect(meantErrors(fn.errors ?? [], schema, value).map((e) => e.instancePath)).toEqual(["/x", "/y"]);
    expect(getUser({ ...user, role: { type: "custom" } }).map((x) => x.where)).toEqual(["body.role.id"]);
    expect(getUser({ ...user, role: { type: "predefined", id: "Um9sZTox" } }).map((x) => x.where)).toEqual([
      "body.role.name",
    ]); // Prism ignores discriminator
  });

  it("pagination {has_more: true} → next_cursor is missing (the const picks the branch)", () => {
    expect(run("listUsers", 200, json, { users: [], pagination: { has_more: true } }).map((x) => x.where)).toEqual([
      "body.pagination.next_cursor",
    ]);
  });

  it("no branch clearly best: the closest branch's errors plus one line saying none matched", () => {
    const v = getUser({ ...user, role: "member" });
    expect(v.map((x) => x.message)).toEqual([
      'body.role must be object; got "member"',
      expect.stringMatching(/^body\.role matches none of the 2 oneOf branches/),
    ]);
  });

  it("anyOf: the branch with the fewest errors", () => {
    const props = { a: {}, b: {}, c: {} };
    const schema = {
      anyOf: [
        { type: "object", properties: props, required: ["a", "b", "c"] },
        { type: "object", properties: props, required: ["c"] },
      ],
    };
    const fn = spec.compile(schema);
    expect(fn({ a: 1 })).toBe(false);
    const kept = meantErrors(fn.errors ?? [], schema, { a: 1 });
    expect(kept.map((e) => e.params)).toEqual([{ missingProperty: "c" }]);
  });
});

it("metadata: five checks with id, title, severity and a source in the spec; checkResponse makes observations", () => {
  expect(RESPONSE_CHECKS.map((c) => [c.id, c.severity, c.source])).toEqual([
    ["no_server_error", "error", "{op}/responses"],
    ["status_documented", "error", "{op}/responses"],
    ["content_type", "error", "{op}/responses"],
    ["response_schema", "error", "{op}/responses"],
    ["required_headers", "error", "{op}/responses"],
  ]);
  expect(RESPONSE_CHECKS.every((c) => c.title.length > 10)).toBe(true);
  const answer = {
    request: { method: "GET", url: "http://127.0.0.1:1/v2/users/x", headers: {} },
    status: 500,
    headers: {},
    body: "",
    json: undefined,
  };
  expect(checkResponse(api, "getUser", answer)).toEqual([
    {
      check: "no_server_error",
      operation: "getUser",
      message: expect.any(String),
      where: "status 500",
      exchange: answer,
    },
  ]);
});
