// The options of a run: defaults, and a clear error naming the option and the value for each bad one.
import { describe, expect, it } from "vitest";
import { ConformanceOptionsError, resolveOptions, type ConformanceOptions } from "./options.ts";
import { httpTransport } from "./transport.ts";

const KEY = "sk-options-TOPSECRET";
const base = { apiKey: KEY, baseUrl: "https://api.example.com/prefix/" };
const refused = (o: Partial<ConformanceOptions>): ConformanceOptionsError => {
  try {
    resolveOptions({ ...base, ...o } as ConformanceOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(ConformanceOptionsError);
    expect((err as Error).message).not.toContain(KEY);
    return err as ConformanceOptionsError;
  }
  throw new Error(`accepted ${JSON.stringify(o)}`);
};

describe("options", () => {
  it("defaults: read-only, 25 cases, concurrency 4, 10 s request timeout, no rate or cap, every check, phase and format, a model", () => {
    const o = resolveOptions(base);
    expect(o).toMatchObject({
      baseUrl: "https://api.example.com/prefix",
      writes: false,
      runs: 25,
      budgetLabel: "default",
      concurrency: 4,
      requestTimeoutMs: 10_000,
      shrinkMs: 10_000,
      rate: Number.POSITIVE_INFINITY,
      maxRequests: Number.POSITIVE_INFINITY,
      reportDir: undefined,
      prismProxy: false,
      model: true,
    });
    expect([...o.phases]).toEqual(["positive", "negative", "auth", "properties", "lifecycle", "stateful"]);
    expect([...o.formats]).toEqual(["md", "json", "junit"]);
    expect(o.selected.has("response_schema")).toBe(true);
    expect(Number.isSafeInteger(o.seed)).toBe(true);
    expect(resolveOptions({ ...base, budget: { seconds: 60 } })).toMatchObject({ seconds: 60, budgetLabel: "60s" });
  });

  it.each<[Partial<ConformanceOptions>, string]>([
    [{ concurrency: 0 }, "Invalid option concurrency: 0 (an integer from 1 to 64)"],
    [{ concurrency: 2.5 }, "Invalid option concurrency: 2.5 (an integer from 1 to 64)"],
    [{ budget: -1 }, "Invalid option budget: -1 (an integer from 1 up)"],
    [{ budget: { seconds: 0 } }, "Invalid option budget.seconds: 0 (a number above 0)"],
    [{ rate: 0 }, "Invalid option rate: 0 (a number above 0)"],
    [{ maxRequests: Number.NaN }, "Invalid option maxRequests: NaN (an integer from 1 up)"],
    [{ requestTimeoutMs: 0 }, "Invalid option requestTimeoutMs: 0 (an integer from 1 to 2147483647)"],
    [{ seed: -3 }, "Invalid option seed: -3 (an integer from 0 up)"],
    [{ only: ["filter_stats"] }, 'Invalid option only: unknown check id "filter_stats"; known: no_server_error'],
    [{ skip: ["nope"] }, 'Invalid option skip: unknown check id "nope"'],
    [{ phases: ["positive", "chaos"] as never }, 'Invalid option phases: "chaos" is none of positive, negative'],
    [{ formats: ["html"] as never }, 'Invalid option formats: "html" is none of md, json, junit'],
    [{ reportDir: " " }, 'Invalid option reportDir: " " (a directory path)'],
    [{ baseUrl: "staging.example.com" }, 'Invalid option baseUrl: "staging.example.com" is not an absolute URL'],
    [{ baseUrl: "ftp://x.example.com" }, 'Invalid option baseUrl: "ftp://x.example.com": http:// or https:// only'],
    [{ baseUrl: "https://u:p@x.example.com" }, "it carries credentials"],
    [{ baseUrl: "https://x.example.com?a=1" }, "it carries a query or fragment"],
    [{ baseUrl: undefined }, "Invalid option baseUrl: required (or a transport)"],
    [{ prismProxy: "yes" as never }, "Invalid option prismProxy: true, false, or a proxy from startPrismProxy()"],
  ])("%j → %s", (o, message) => {
    expect(refused(o).message).toContain(message);
  });

  it("the API key: required, printable ASCII, and never shown", () => {
    expect(refused({ apiKey: "" }).message).toBe("Invalid option apiKey: it is missing or blank");
    const bad = refused({ apiKey: `${KEY}\n` });
    expect(bad.message).toMatch(/characters an HTTP header cannot carry.*the key is not shown/);
    expect(bad.value).toBe("[not shown]");
  });

  it("plain http: only to loopback, unless allowInsecureHttp (the key would travel in cleartext)", () => {
    for (const url of ["http://127.0.0.1:4010", "http://localhost:8080/api", "http://[::1]:9", "http://127.3.2.1"])
      expect(resolveOptions({ ...base, baseUrl: url }).baseUrl).toBe(url.replace(/\/$/, ""));
    const err = refused({ baseUrl: "http://192.0.2.2:34991" });
    expect(err.option).toBe("baseUrl");
    expect(err.message).toBe(
      'Invalid option baseUrl: "http://192.0.2.2:34991": http:// to a host that is not loopback would send the API key in cleartext; use https://, or allowInsecureHttp',
    );
    expect(resolveOptions({ ...base, baseUrl: "http://192.0.2.2:34991", allowInsecureHttp: true }).baseUrl).toBe(
      "http://192.0.2.2:34991",
    );
    // A transport of the caller's decides where requests go; the base URL only names the server.
    expect(resolveOptions({ apiKey: KEY, transport: httpTransport() }).baseUrl).toBe("http://in-process.localhost");
  });
});
