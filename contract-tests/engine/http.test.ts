// How long a 429 asks to wait, and the 429s waited out.
import { describe, expect, it } from "vitest";
import { retryAfterSeconds, retrying } from "./http.ts";
import type { Exchange } from "./runner.ts";

const answer = (status: number, headers: Record<string, string> = {}): Exchange => ({
  request: { method: "GET", url: "http://127.0.0.1:9/v2/users", headers: {} },
  status,
  headers,
  body: "",
  json: undefined,
});

describe("Retry-After", () => {
  it("seconds, or an HTTP date; at most 10 s; undefined when absent or unreadable", () => {
    expect(retryAfterSeconds("0")).toBe(0);
    expect(retryAfterSeconds(" 3 ")).toBe(3);
    expect(retryAfterSeconds("120")).toBe(10);
    const inTwo = retryAfterSeconds(new Date(Date.now() + 2_000).toUTCString())!;
    expect(inTwo).toBeGreaterThan(0.5);
    expect(inTwo).toBeLessThanOrEqual(2);
    expect(retryAfterSeconds(new Date(Date.now() - 60_000).toUTCString())).toBe(0);
    expect(retryAfterSeconds(undefined)).toBeUndefined();
    expect(retryAfterSeconds("soon")).toBeUndefined();
    expect(retryAfterSeconds("-1")).toBeUndefined();
  });

  it("a 429 that says when is waited out and sent again (3 attempts), each 429 kept to be checked", async () => {
    const answers = [
      answer(429, { "retry-after": "0" }),
      answer(429, { "retry-after": new Date().toUTCString() }),
      answer(200),
    ];
    const { final, retried } = await retrying(async () => answers.shift()!);
    expect(final.status).toBe(200);
    expect(retried.map((a) => a.status)).toEqual([429, 429]);
    const unsaid = await retrying(async () => answer(429));
    expect(unsaid.final.status).toBe(429); // no Retry-After: nothing to wait for, the 429 is the answer
    expect(unsaid.retried).toEqual([]);
  });
});
