// Conformance mode's edge (issue 18): plain http to a host that is not loopback is refused, naming
// CONTRACT_ALLOW_INSECURE_HTTP=1; with it the run goes ahead and says once that the key travels in
// cleartext. Against the reference server on this machine's own network address, where it has one.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReferenceHandler } from "../reference-server/server.ts";
import { runLive } from "./global-setup.ts";
import { EnvError } from "./options-from-env.ts";

const KEY = "sk-live-edge-TOPSECRET";
const address = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
const handler = createReferenceHandler({ apiKey: KEY });
let requests = 0;
const server = createServer((req, res) => {
  requests++;
  handler(req, res);
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const quick = { apiKey: KEY, seed: 1, budget: 2, phases: ["positive" as const], operations: ["listUsers"] };

describe.skipIf(!address)(
  `plain http to ${address ?? "(this machine has no non-loopback IPv4 address: skipped)"}`,
  () => {
    it("is refused before any request, naming CONTRACT_ALLOW_INSECURE_HTTP=1", async () => {
      const before = requests;
      const err = await runLive({ ...quick, baseUrl: `http://${address}:${port}` }, () => {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EnvError);
      expect((err as Error).message).toBe(
        `Invalid CONTRACT_BASE_URL: "http://${address}:${port}": http:// to a host that is not loopback would send the API key in cleartext; use https://, or CONTRACT_ALLOW_INSECURE_HTTP=1`,
      );
      expect(requests).toBe(before);
    });

    it("with CONTRACT_ALLOW_INSECURE_HTTP=1 the run goes ahead, and says once that the key travels in cleartext", async () => {
      const warnings: string[] = [];
      const report = await runLive(
        { ...quick, baseUrl: `http://${address}:${port}`, allowInsecureHttp: true },
        (line) => warnings.push(line),
      );
      expect(report.findings).toEqual([]);
      expect(report.requests).toBeGreaterThan(0);
      expect(warnings).toEqual([
        `contract: CONTRACT_ALLOW_INSECURE_HTTP=1: the API key travels in cleartext to ${address}:${port}`,
      ]);
    });
  },
);

it("plain http to loopback goes ahead without a word", async () => {
  const warnings: string[] = [];
  const report = await runLive({ ...quick, baseUrl: `http://127.0.0.1:${port}` }, (line) => warnings.push(line));
  expect(report.findings).toEqual([]);
  expect(warnings).toEqual([]);
});

it("a missing key names ARIZE_API_KEY", async () => {
  await expect(runLive({ baseUrl: `http://127.0.0.1:${port}` })).rejects.toThrow(
    /CONTRACT_BASE_URL is set but ARIZE_API_KEY is empty/,
  );
});
