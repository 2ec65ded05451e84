// Every error shape: Problem, empty, HTML, non-JSON, status from HTTP, subclasses per status.
import { describe, expect, it } from "vitest";
import {
  ArizeApiError,
  ArizeError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from "../../src/index.ts";
import { client, ID, json, raw, rejection, transport } from "./helpers.ts";

const get = (step: ReturnType<typeof raw>) => rejection(client(transport(step).fetch, { maxRetries: 0 }).users.get(ID));

describe("errors", () => {
  it.each([
    [400, BadRequestError, "BadRequestError"],
    [401, AuthenticationError, "AuthenticationError"],
    [403, PermissionDeniedError, "PermissionDeniedError"],
    [404, NotFoundError, "NotFoundError"],
    [409, ConflictError, "ConflictError"],
    [422, UnprocessableEntityError, "UnprocessableEntityError"],
    [429, RateLimitError, "RateLimitError"],
    [500, InternalServerError, "InternalServerError"],
    [503, InternalServerError, "InternalServerError"],
    [418, ArizeApiError, "ArizeApiError"],
  ] as const)("%i → %o", async (status, cls, name) => {
    const e = await get(json(status, { title: "Nope", status, detail: "Because." }, { "x-request-id": "r1" }));
    expect(e).toBeInstanceOf(cls);
    expect(e).toBeInstanceOf(ArizeApiError);
    expect(e).toBeInstanceOf(ArizeError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe(name);
    // Real classes: stack traces and inspectors show the class, not `[class (anonymous)]`.
    expect(e.constructor.name).toBe(name);
    expect(e.status).toBe(status);
    expect(e.problem).toEqual({ title: "Nope", status, detail: "Because." });
    expect(e.message).toBe(`${status} Nope: Because.`);
    expect(e.headers.get("x-request-id")).toBe("r1");
    expect(String(e)).toBe(`${name}: ${status} Nope: Because.`);
  });

  it("subclasses are distinct", async () => {
    const e = await get(json(404, { title: "Not Found", status: 404 }));
    expect(e).not.toBeInstanceOf(ConflictError);
    expect(e.message).toBe("404 Not Found");
  });

  it("status comes from the HTTP response, not the body", async () => {
    const e = await get(json(404, { title: "Odd", status: 200 }));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.status).toBe(404);
  });

  it.each([
    ["empty", raw(500, null)],
    ["empty with content-length 0", raw(500, "", { "content-length": "0" })],
    ["HTML", raw(502, "<html><body>Bad Gateway</body></html>", { "content-type": "text/html" })],
    ["plain text", raw(400, "bad things happened", { "content-type": "text/plain" })],
    ["broken JSON", raw(400, '{"title": ', { "content-type": "application/problem+json" })],
    ["JSON that is not a Problem", raw(403, '{"message":"no"}', { "content-type": "application/json" })],
    ["a JSON string", raw(404, '"nope"', { "content-type": "application/json" })],
  ])("%s body → a proper ArizeApiError", async (_, step) => {
    const e = await get(step);
    expect(e).toBeInstanceOf(ArizeApiError);
    expect(e.problem).toBeUndefined();
    expect(e.message).toMatch(/^\d{3} \S/);
    expect(e.status).toBe(Number(e.message.slice(0, 3)));
  });

  it("a body that is not a Problem is kept on `body` (500 characters) and quoted in the message (200)", async () => {
    const e = await get(raw(502, `<html>Bad Gateway</html>${"x".repeat(2000)}`, { "content-type": "text/html" }));
    expect(e.body).toBe(`<html>Bad Gateway</html>${"x".repeat(2000)}`.slice(0, 500));
    // The test's Responses have no status text, hence "HTTP error".
    expect(e.message).toBe(`502 HTTP error (body: ${e.body!.slice(0, 200)})`);
    const j = await get(raw(403, '{"message":"no"}', { "content-type": "application/json" }));
    expect(j.body).toBe('{"message":"no"}');
    expect(j.message).toBe('403 HTTP error (body: {"message":"no"})');
    // A Problem is shown as a Problem; an empty body adds nothing.
    expect((await get(json(404, { title: "Not Found", status: 404 }))).body).toBeUndefined();
    const empty = await get(raw(500, null));
    expect(empty.body).toBeUndefined();
    expect(empty.message).toBe("500 HTTP error");
  });

  it("a 2xx with a body that is not JSON is an ArizeError that tells the status and does not quote the body", async () => {
    const e = await get(raw(200, "not json at all: s3cr3t", { "content-type": "application/json" }));
    expect(e.message).toBe("Invalid response: status 200 with a body that is not JSON (SyntaxError)");
    expect(e).toBeInstanceOf(ArizeError);
    expect(e).not.toBeInstanceOf(ArizeApiError);
    expect(`${e.message} ${e.stack} ${String(e.cause)}`).not.toContain("s3cr3t");
  });

  it("the same for a raw call: both go through one request that turns the parse failure into that error", async () => {
    const arize = client(transport(raw(200, "not json at all: s3cr3t", { "content-type": "application/json" })).fetch);
    const e = await rejection(arize.raw.GET("/v2/users/{user_id}", { params: { path: { user_id: ID } } }));
    expect(e.message).toBe("Invalid response: status 200 with a body that is not JSON (SyntaxError)");
    expect(e).toBeInstanceOf(ArizeError);
    expect(`${e.message} ${e.stack} ${String(e.cause)}`).not.toContain("s3cr3t");
  });
});
