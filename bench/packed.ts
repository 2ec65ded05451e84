// The packed command installed as a user would: `npm pack -w arize-users-conformance`, then
// `npm install <tarball>` into an empty folder; the size of node_modules on disk, how many packages
// it holds, and whether vitest is among them.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printTable, round, timeCommand } from "./lib.ts";

export interface PackedResult {
  tarball: string;
  tarballKB: number;
  installMs: number;
  /** `du -sk node_modules`, in MB (MiB, as du -h counts). */
  installedMB: number;
  packages: number;
  /** Where vitest sits in the tree (`npm ls vitest --all --parseable`), [] when it is not there. */
  vitest: string[];
}

/** Schemathesis's venv, from issue 15, for comparison (not measured here). */
export const SCHEMATHESIS_VENV_MB = 88;

/** npm, read-only, in `cwd`: its stdout (npm ls exits 1 when nothing matches, which is an answer too). */
function npmQuery(cwd: string, args: string[]): string {
  const r = spawnSync("npm", args, { cwd, encoding: "utf8", timeout: 60_000 });
  if (r.error) throw r.error;
  return r.stdout;
}

export async function measurePacked(): Promise<PackedResult> {
  const dir = mkdtempSync(join(tmpdir(), "arize-bench-packed-"));
  try {
    await timeCommand("npm", ["pack", "--silent", "-w", "arize-users-conformance", "--pack-destination", dir]);
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack left no .tgz in ${dir}`);
    const folder = join(dir, "install");
    mkdirSync(folder);
    const installMs = await timeCommand(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", join(dir, tarball)],
      { cwd: folder },
    );
    const du = spawnSync("du", ["-sk", "node_modules"], { cwd: folder, encoding: "utf8" });
    const kb = Number(du.stdout.split("\t")[0]);
    if (du.status !== 0 || !Number.isFinite(kb)) throw new Error(`du -sk node_modules: ${du.stderr}`);
    const paths = npmQuery(folder, ["ls", "--all", "--parseable"]).split("\n").filter(Boolean);
    const vitest = npmQuery(folder, ["ls", "vitest", "--all", "--parseable"])
      .split("\n")
      .filter((l) => l.includes("node_modules"));
    return {
      tarball,
      tarballKB: round(statSync(join(dir, tarball)).size / 1024),
      installMs,
      installedMB: round(kb / 1024),
      packages: new Set(paths).size - 1, // the folder itself is the first line
      vitest: vitest.map((l) => l.slice(l.indexOf("node_modules"))),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printPacked(r: PackedResult): void {
  printTable(
    `The packed command installed into an empty folder (npm install --prefer-offline <tarball>, ${Math.round(r.installMs)} ms)`,
    ["", "value"],
    [
      ["tarball", `${r.tarball}, ${r.tarballKB} kB`],
      ["node_modules on disk (du)", `${r.installedMB} MB`],
      ["packages", r.packages],
      ["vitest in the tree", r.vitest.length ? `yes: ${r.vitest.join(", ")}` : "no"],
      ["Schemathesis's venv, for comparison (issue 15)", `${SCHEMATHESIS_VENV_MB} MB`],
    ],
  );
}
