// The launcher itself: proxy mode works (conformance mode relies on it), failures explain
// themselves with Prism's log, and stop() really frees the port.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { startPrism } from "./prism.ts";
import { redact } from "./redact.ts";

const AUTH = { Authorization: "Bearer harness-test-key" };

describe("startPrism", () => {
  it("proxy mode forwards valid requests, refuses invalid ones itself, and stops", async () => {
    const mock = await startPrism({ mode: "mock" });
    const proxy = await startPrism({ mode: "proxy", upstream: mock.url }).catch(async (e) => {
      await mock.stop();
      throw e;
    });
    try {
      expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ok = await fetch(`${proxy.url}/v2/users?limit=5`, { headers: AUTH });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("sl-violations")).toBeNull();
      expect(await ok.json()).toHaveProperty("pagination");
      const bad = await fetch(`${proxy.url}/v2/users?limit=0`, { headers: AUTH });
      await bad.body?.cancel();
      expect(bad.status).toBe(422);
      expect(proxy.log()).toMatch(/Forwarding "get" request/);
    } finally {
      await proxy.stop();
      await mock.stop();
    }
    await expect(fetch(`${proxy.url}/v2/users`)).rejects.toThrow();
    await proxy.stop(); // idempotent
  });

  it("a spec Prism cannot open: the error carries Prism's log", async () => {
    const err = await startPrism({ mode: "mock", spec: "/nonexistent/users.yaml" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /Prism \(mock\) failed to start on http:\/\/127\.0\.0\.1:\d+: exited before listening/,
    );
    expect((err as Error).message).toMatch(/--- Prism log ---[\s\S]*nonexistent\/users\.yaml/);
  });

  it("no readiness in time: a timeout error, and Prism is stopped", async () => {
    const err = await startPrism({ mode: "mock", timeoutMs: 1 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/did not report "listening" within 1 ms/);
    const port = /127\.0\.0\.1:(\d+)/.exec((err as Error).message)?.[1];
    expect(port).toBeDefined();
    // No live process (zombies have no command line) still carries that port in its arguments.
    const pgrep = spawnSync("pgrep", ["-f", "--", `-p ${port} `], { encoding: "utf8" });
    expect(pgrep.status, `still running: ${pgrep.stdout}`).toBe(1); // 1: no match
  });

  it("logs and failure messages never show a bearer token or a temporary password", () => {
    expect(redact('authorization: Bearer sk-123.abc "x"')).toBe('authorization: Bearer [REDACTED] "x"');
    expect(redact('{"id":"x","temporary_password": "a\\"b!","name":"n"}')).toBe(
      '{"id":"x","temporary_password": "[REDACTED]","name":"n"}',
    );
  });
});
