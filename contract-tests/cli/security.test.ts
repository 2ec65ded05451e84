// Issue 18, the command's half: the API key does not travel in cleartext beyond this machine unless
// asked (--allow-insecure-http or CONTRACT_ALLOW_INSECURE_HTTP=1, and then it says so), a TLS
// failure names the certificate problem and how to trust a private CA (not http://), and a
// redirect to another origin gets no Authorization header: neither the preflight nor the engine
// follows it.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer, Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConformance } from "../engine/index.ts";
import { createReferenceHandler } from "../reference-server/server.ts";
import { cli as runCli, expectSetupError as setupError, testBed, type Result } from "./test/support.ts";

const KEY = `cli-key-${randomBytes(8).toString("hex")}`;
const { work, pool, tearDown } = testBed("cli-security-");
afterAll(tearDown);
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { env: { ARIZE_API_KEY: KEY, ...env }, cwd: work });
const expectSetupError = (r: Result, line: RegExp) => setupError(r, line, KEY);

/** Listens on `host` (not only 127.0.0.1) with a free port; stopped by the pool. */
async function listenOn(server: Server | HttpsServer, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  pool.add({
    url: "",
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return `${server instanceof HttpsServer ? "https" : "http"}://${host}:${port}`;
}

/** An IPv4 address of this machine that is not loopback, if it has one. */
const address = Object.values(networkInterfaces())
  .flat()
  .find((a) => a?.family === "IPv4" && !a.internal && !a.address.startsWith("127."))?.address;

describe("plain http:// beyond loopback", () => {
  let url = "";
  let connections = 0;
  beforeAll(async () => {
    if (!address) return;
    const server = createHttpServer(createReferenceHandler({ apiKey: KEY }));
    server.on("connection", () => connections++);
    url = await listenOn(server, address);
  });

  it.skipIf(!address)(
    `is refused before the key is sent, naming the way out${address ? ` (reference server on ${address})` : " (skipped: this machine has no IPv4 address besides loopback)"}`,
    async () => {
      expectSetupError(
        await cli(["--base-url", url]),
        /^arize-users-conformance: refusing http:\/\/ to [\d.]+, which is not this machine: the API key would travel in cleartext; use https:\/\/, or pass --allow-insecure-http \(or set CONTRACT_ALLOW_INSECURE_HTTP=1\) to send it anyway$/m,
      );
      expect(connections, "connections the refused run made").toBe(0);
    },
  );

  it.skipIf(!address)(
    `goes ahead with --allow-insecure-http or CONTRACT_ALLOW_INSECURE_HTTP=1, saying once that the key travels in cleartext${address ? "" : " (skipped: no IPv4 address besides loopback)"}`,
    async () => {
      const warning = `arize-users-conformance: warning: http:// to ${address}, which is not this machine: the API key travels in cleartext\n`;
      for (const [args, env] of [
        [["--allow-insecure-http"], {}],
        [[], { CONTRACT_ALLOW_INSECURE_HTTP: "1" }],
      ] as const) {
        const dir = join(work, `insecure-${args.length}`);
        const r = await cli(["--base-url", url, "--report-dir", dir, ...args], env);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stderr.split(warning).length - 1, r.stderr).toBe(1);
        expect(r.stdout + r.stderr).not.toContain(KEY);
      }
      expect(connections).toBeGreaterThan(0);
    },
  );
});

/** A private CA and a certificate for 127.0.0.1 it issued (openssl), or undefined without openssl. */
function privateCa(): { ca: string; key: string; cert: string } | undefined {
  const dir = join(work, "tls");
  mkdirSync(dir, { recursive: true });
  // Each command line in words (the files are named relative to `dir`, so no word holds a space).
  const openssl = (line: string) => execFileSync("openssl", line.split(" "), { cwd: dir, stdio: "pipe" });
  try {
    openssl("version");
  } catch {
    return undefined;
  }
  const newKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  openssl(`req -x509 ${newKey} -keyout ca.key -out ca.pem -days 2 -subj /CN=Test-CA`);
  openssl(`req ${newKey} -keyout leaf.key -out leaf.csr -subj /CN=127.0.0.1`);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl("x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2 -extfile san.ext");
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { ca: join(dir, "ca.pem"), key: read("leaf.key"), cert: read("leaf.pem") };
}

describe("https:// with a certificate of a private CA", () => {
  const tls = privateCa();
  let url = "";
  beforeAll(async () => {
    if (!tls) return;
    url = await listenOn(
      createHttpsServer({ key: tls.key, cert: tls.cert }, createReferenceHandler({ apiKey: KEY })),
      "127.0.0.1",
    );
  });

  it.skipIf(!tls)(
    `the preflight names the certificate problem and NODE_EXTRA_CA_CERTS, not http://${tls ? "" : " (skipped: no openssl)"}`,
    async () => {
      const r = await cli(["--base-url", url]);
      expectSetupError(
        r,
        /^arize-users-conformance: the TLS handshake with 127\.0\.0\.1:\d+ failed \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): its certificate is issued by a CA Node does not know \(or the server leaves out an intermediate certificate\); to trust a private CA, point NODE_EXTRA_CA_CERTS at its certificate \(PEM file\)$/m,
      );
      expect(r.stderr).not.toContain("http://");
    },
  );

  it.skipIf(!tls)(
    `with NODE_EXTRA_CA_CERTS naming the CA, the run passes${tls ? "" : " (skipped: no openssl)"}`,
    async () => {
      const r = await cli(["--base-url", url, "--report-dir", join(work, "tls-reports")], {
        NODE_EXTRA_CA_CERTS: tls!.ca,
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`PASS: nothing found against ${url} `);
    },
  );
});

describe("a redirect to another origin", () => {
  const seen: { url: string; authorization: string | undefined }[] = [];
  let redirecting = "";
  let elsewhere = "";
  beforeAll(async () => {
    const target = await pool.serve((req, res) => {
      seen.push({ url: req.url!, authorization: req.headers.authorization });
      createReferenceHandler({ apiKey: KEY })(req, res);
    });
    elsewhere = target.url;
    // Every request is sent on, with 307 (the method and body kept), to the other server.
    const redirector = await pool.serve((req, res) => res.writeHead(307, { location: `${elsewhere}${req.url}` }).end());
    redirecting = redirector.url;
  });

  it("the command's preflight does not follow it: exit 2 naming where it points; the other origin saw nothing", async () => {
    expectSetupError(
      await cli(["--base-url", redirecting]),
      new RegExp(
        `^arize-users-conformance: ${redirecting}: GET /v2/users answered 307, a redirect to ${elsewhere}/v2/users\\?limit=1; redirects are not followed \\(the API key would go along\\): give the base URL of the API itself$`,
        "m",
      ),
    );
    expect(seen).toEqual([]);
  });

  it("the engine's transport does not follow it either: the 307s are findings, the other origin saw no request", async () => {
    const report = await runConformance({ baseUrl: redirecting, apiKey: KEY, only: ["status_documented"], budget: 5 });
    expect(report.requests).toBeGreaterThan(5);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) {
      expect(f.check).toBe("status_documented");
      expect(f.response?.status).toBe(307);
    }
    expect(seen.filter((s) => s.authorization !== undefined)).toEqual([]);
    expect(seen).toEqual([]);
  });
});
