// Starts Prism (mock or validating proxy) on a free loopback port and guarantees it is stopped.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { killGroup, track } from "./processes.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
export const SPEC_PATH = `${root}openapi/users.yaml`;
// Resolved as a dependency, so it is found from the repo and from the packed conformance command.
const PRISM_BIN = createRequire(import.meta.url).resolve("@stoplight/prism-cli/dist/index.js");
const GUARD = fileURLToPath(new URL("./prism-guard.mjs", import.meta.url));

export type PrismOptions =
  | { mode: "mock"; spec?: string; timeoutMs?: number }
  | { mode: "proxy"; upstream: string; spec?: string; timeoutMs?: number };

export interface Prism {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Kills Prism's whole process group and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
  /** Everything Prism printed so far (bearer tokens redacted). */
  log(): string;
}

const LOG_LIMIT = 256 * 1024;

/** Hides the value of every JSON `temporary_password` member (the one-time password is a secret). */
export const hideTemporaryPasswords = (text: string): string =>
  text.replace(/("temporary_password"\s*:\s*")(?:[^"\\]|\\.)*"/g, '$1[REDACTED]"');

/** Redacts bearer tokens and temporary passwords, so no secret reaches an error or report. */
export const redact = (text: string): string =>
  hideTemporaryPasswords(text.replace(/(Bearer\s+)[^\s"',;]+/gi, "$1[REDACTED]"));

/** Asks the OS for a free port on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export async function startPrism(options: PrismOptions, attempts = 3): Promise<Prism> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (err) {
      // Another process may grab the port between our probe and Prism's listen: try a new one.
      if (attempt < attempts && err instanceof Error && /EADDRINUSE/.test(err.message)) continue;
      throw err;
    }
  }
}

async function startOnce(options: PrismOptions, port: number): Promise<Prism> {
  const spec = options.spec ?? SPEC_PATH;
  const args =
    options.mode === "mock"
      ? ["mock", "-h", "127.0.0.1", "-p", String(port), spec]
      : ["proxy", "-h", "127.0.0.1", "-p", String(port), spec, options.upstream, "--errors"];
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-LOG_LIMIT);
  };
  const log = () => redact(output);

  // detached: the guard leads its own process group, so one kill(-pid) reaches Prism too.
  const child = track(
    spawn(process.execPath, [GUARD, PRISM_BIN, ...args], {
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    }),
  );
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, "SIGTERM");
    const grace = setTimeout(() => killGroup(child, "SIGKILL"), 3_000);
    await exited;
    clearTimeout(grace);
    killGroup(child, "SIGKILL"); // Prism itself, should it have outlived the guard
  };

  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not report "listening" within ${timeoutMs} ms`)), timeoutMs);
      const onData = () => {
        if (/Prism is listening on/.test(output)) done(resolve);
      };
      const onExit = (code: number | null, signal: string | null) =>
        done(() => reject(new Error(`exited before listening (code ${code}, signal ${signal})`)));
      const done = (then: () => void) => {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        child.stderr!.off("data", onData);
        child.off("exit", onExit);
        then();
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", onExit);
      onData();
    });
    // One poll: "listening" was printed, make sure the socket really answers.
    await fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.body?.cancel());
  } catch (err) {
    await stop();
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`Prism (${options.mode}) failed to start on ${url}: ${why}\n--- Prism log ---\n${log()}`);
  }
  return { url, stop, log };
}
