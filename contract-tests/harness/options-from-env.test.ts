import { describe, expect, it } from "vitest";
import { EnvError, optionsFromEnv } from "./options-from-env.ts";

describe("CONTRACT_* into the engine's options", () => {
  it("reads every setting, and leaves unset ones out (the engine's defaults apply)", () => {
    expect(
      optionsFromEnv({
        CONTRACT_BASE_URL: "https://staging.example.com/api",
        ARIZE_API_KEY: "k",
        CONTRACT_ALLOW_WRITES: "1",
        CONTRACT_SEED: "7",
        CONTRACT_BUDGET: "30",
        CONTRACT_CONCURRENCY: "2",
        CONTRACT_RATE: "2.5",
        CONTRACT_MAX_REQUESTS: "500",
        CONTRACT_REQUEST_TIMEOUT: "1.5",
        CONTRACT_SHRINK_SECONDS: "0",
        CONTRACT_ONLY: "filter_status, response_schema",
        CONTRACT_SKIP: "prism_violation",
        CONTRACT_REPORT_DIR: "out",
        CONTRACT_FORMAT: "md,junit",
        CONTRACT_PRISM_PROXY: "1",
        CONTRACT_ALLOW_INSECURE_HTTP: "1",
      }),
    ).toEqual({
      baseUrl: "https://staging.example.com/api",
      apiKey: "k",
      writes: true,
      seed: 7,
      budget: 30,
      concurrency: 2,
      rate: 2.5,
      maxRequests: 500,
      requestTimeoutMs: 1500,
      shrinkMs: 0,
      only: ["filter_status", "response_schema"],
      skip: ["prism_violation"],
      reportDir: "out",
      formats: ["md", "junit"],
      prismProxy: true,
      allowInsecureHttp: true,
    });
    expect(optionsFromEnv({ CONTRACT_BUDGET: "60s" }).budget).toEqual({ seconds: 60 });
    expect(optionsFromEnv({})).toEqual({ writes: false, prismProxy: false, allowInsecureHttp: false });
  });

  it.each([
    [{ CONTRACT_SEED: "abc" }, /CONTRACT_SEED must be an integer from 0 up, got "abc"/],
    [{ CONTRACT_BUDGET: "lots" }, /CONTRACT_BUDGET must be .* got "lots"/],
    [{ CONTRACT_BUDGET: "0" }, /CONTRACT_BUDGET/],
    [{ CONTRACT_CONCURRENCY: "0" }, /CONTRACT_CONCURRENCY must be an integer from 1 to 64, got "0"/],
    [{ CONTRACT_SHRINK_SECONDS: "soon" }, /CONTRACT_SHRINK_SECONDS must be a number of seconds, got "soon"/],
    [{ CONTRACT_RATE: "0" }, /CONTRACT_RATE must be a number of requests per second above 0, got "0"/],
    [{ CONTRACT_MAX_REQUESTS: "-5" }, /CONTRACT_MAX_REQUESTS must be an integer from 1 up, got "-5"/],
  ])("refuses %j with a message naming it", (env, message) => {
    expect(() => optionsFromEnv(env)).toThrow(EnvError);
    expect(() => optionsFromEnv(env)).toThrow(message);
  });
});
