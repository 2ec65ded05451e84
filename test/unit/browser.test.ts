// The client runs where there is no Node: bundled for the browser and run in a bare VM context
// with only web globals (no process, require or Buffer).
import { build } from "esbuild";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { ID, json, KEY, transport, user } from "./helpers.ts";

type Mod = typeof import("../../src/index.ts");
let mod: Mod;

beforeAll(async () => {
  const { outputFiles } = await build({
    entryPoints: [new URL("../../src/index.ts", import.meta.url).pathname],
    bundle: true,
    format: "iife",
    globalName: "ArizeUsers",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  const web = {
    Request,
    Response,
    Headers,
    AbortController,
    AbortSignal,
    FormData,
    URL,
    URLSearchParams,
    setTimeout,
    clearTimeout,
  };
  mod = runInNewContext(`${outputFiles[0]!.text}; ArizeUsers`, { ...web, console }) as Mod;
});

describe("without Node globals", () => {
  it("has no process: a missing apiKey names ARIZE_API_KEY", () => {
    expect(() => mod.createUsersClient()).toThrow(/ARIZE_API_KEY/);
  });

  it("calls the API, without a User-Agent of its own", async () => {
    const t = transport(json(200, user()));
    const arize = mod.createUsersClient({ apiKey: KEY, baseUrl: "https://api.test.example", fetch: t.fetch });
    expect(await arize.users.get(ID)).toEqual(user());
    expect(t.calls[0]!.headers.get("authorization")).toBe(`Bearer ${KEY}`);
    expect(t.calls[0]!.headers.get("user-agent")).toBeNull();
  });
});
