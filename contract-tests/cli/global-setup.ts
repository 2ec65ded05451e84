// Vitest globalSetup of the cli project: builds and packs the command once (npm pack's prepack
// runs build.mjs), before any test file runs: the tests run the built dist/cli.mjs from the repo,
// and install the tarball into fresh folders. Test files would race each other building dist/.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { runCommand } from "../../test/run-command.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The packed arize-users-conformance (.tgz), built from this tree. */
    conformanceTarball: string;
  }
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "cli-pack-"));
  runCommand("npm", ["pack", "--silent", "-w", "arize-users-conformance", "--pack-destination", dir], ROOT, 180_000);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack left no tarball in ${dir}`);
  project.provide("conformanceTarball", join(dir, tarball));
  return () => rmSync(dir, { recursive: true, force: true });
}
