// Starts Prism (mock or validating proxy) on a free loopback port and guarantees it is stopped.
// Prism is an optional peer of the packed command: it is looked up only when asked for.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { redact } from "./redact.ts";
import { SPEC_PATH } from "./spec-source.ts";

const GUARD = fileURLToPath(new URL("./prism-guard.mjs", import.meta.url));
export const PRISM_PACKAGE = "@stoplight/prism-cli";

/** Prism's entry point, resolved as a dependency (from the repo, or beside the packed command). */
export function prismBin(): string {
  try {
    return createRequire(import.meta.url).resolve(`${PRISM_PACKAGE}/dist/index.js`);
  } catch {
    throw new Error(
      `Prism is not installed: ${PRISM_PACKAGE} is an optional peer, needed only for Prism's validating proxy; npm install ${PRISM_PACKAGE}@5.16.0`,
    );
  }
}

interface CommonOptions {
  spec?: string;
  timeoutMs?: number;
  /** Told of the child at once (a test harness tracks it, to kill it should the run be interrupted). */
  onChild?: (child: ChildProcess) => void;
}
export type PrismOptions = ({ mode: "mock" } | { mode: "proxy"; upstream: string }) & CommonOptions;

export interface Prism {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Kills Prism's whole process group and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
  /** Everything Prism printed so far (bearer tokens redacted). */
  log(): string;
}

const LOG_LIMIT = 256 * 1024;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
const stripColours = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

/**
 * Signals the child's whole process group (it leads one: spawned detached), also after the child
 * itself exited, so whatever it left in its group goes too; a child that leads no group alone.
 */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

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

  // detached: the guard leads its own process group, so one kill(-pid) reaches Prism too; and it
  // kills that group when our end of its stdin closes, so Prism dies with this process.
  const child = spawn(process.execPath, [GUARD, prismBin(), ...args], {
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  options.onChild?.(child);
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
        if (/Prism is listening on/.test(stripColours(output))) done(resolve);
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
