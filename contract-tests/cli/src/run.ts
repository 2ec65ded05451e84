// Runs the engine exactly as `npm run contract` does (vitest, contract project) with the
// settings as environment, and reports progress from CONTRACT_PROGRESS_FILE while it runs.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { killGroup } from "../../harness/processes.ts";

/**
 * The engine's root: the repo when this command is bundled into the repo's contract-tests/cli/dist/
 * (also while `npm pack` has a copy in dist/engine/), else the packed copy, dist/engine/.
 */
export function engineRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const repo = join(here, "../../..");
  return existsSync(join(repo, "contract-tests/cli/package.json")) ? repo : join(here, "engine");
}

export interface Progress {
  requests: number;
  findings: number;
  checksDone: number;
  checksTotal: number;
}

/** The last complete line of the progress file, if any. */
export function readProgress(file: string): Progress | undefined {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const lines = text.split("\n").filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]!) as Progress;
    } catch {
      // a line being written; try the one before
    }
  }
  return undefined;
}

export interface EngineRun {
  code: number | null;
  output: string;
  interrupted: boolean;
}

/** Spawns vitest; `onTick` every 500 ms with the latest progress; Ctrl-C lets the engine clean up. */
export async function runEngine(
  settings: Record<string, string>,
  onTick: (p: Progress | undefined) => void,
): Promise<EngineRun> {
  const root = engineRoot();
  const vitest = join(dirname(createRequire(join(root, "x.js")).resolve("vitest/package.json")), "vitest.mjs");
  // Our own VITEST_*/CONTRACT_* settings (say, when run from a test) must not leak into the engine.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(VITEST|CONTRACT_|TEST$|NODE_ENV$)/.test(k)),
  );
  Object.assign(env, settings, { FORCE_COLOR: "0", NO_COLOR: "1" });
  // Detached: the engine leads its own group, so one kill reaches its workers too.
  const child = spawn(process.execPath, [vitest, "run", "--project", "contract", "--root", root], {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const sweep = () => killGroup(child);
  process.on("exit", sweep);
  // Interrupted: pass SIGINT on (the engine deletes the users it created and writes its report),
  // and kill it if it has not gone within 60 s.
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return sweep();
    interrupted = true;
    child.kill("SIGINT");
    setTimeout(sweep, 60_000).unref();
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  const tick = setInterval(() => onTick(readProgress(settings.CONTRACT_PROGRESS_FILE ?? "")), 500);
  const code = await new Promise<number | null>((resolve) => {
    child.once("error", (err) => {
      output += `\ncannot start vitest (${vitest}): ${err.message}\n`;
      resolve(null);
    });
    child.once("close", resolve);
  });
  clearInterval(tick);
  onTick(readProgress(settings.CONTRACT_PROGRESS_FILE ?? ""));
  process.off("SIGINT", onSignal).off("SIGTERM", onSignal).off("exit", sweep);
  sweep(); // anything left in its group
  return { code, output, interrupted };
}
