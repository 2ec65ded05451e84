// Builds the command: src/ bundled into dist/cli.mjs (Node 20 runs no TypeScript). For the
// packed package (--engine, at prepack) it also copies what the engine needs into dist/engine/,
// laid out as in the repo, so the engine's own relative paths (../../openapi/users.yaml) hold.
import { build } from "esbuild";
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const root = here("../../");
const engine = here("dist/engine/");
const arg = process.argv[2];

if (arg === "--clean-engine") {
  rmSync(engine, { recursive: true, force: true });
} else {
  await build({
    entryPoints: [here("src/main.ts")],
    outfile: here("dist/cli.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
    logLevel: "warning",
  });
  if (arg === "--engine") {
    rmSync(engine, { recursive: true, force: true });
    mkdirSync(engine, { recursive: true });
    // The engine: the contract project's sources (not this command, the mutation test or the
    // reference server, nor the harness's own tests), the spec, the client and its generated types
    // (the mock suite imports them), and the repo's vitest config (only its contract project runs).
    const leave = new Set(["cli", "mutation", "reference-server"]);
    const isOwnTest = (src) => src.endsWith(".test.ts") && !src.endsWith(".contract.test.ts");
    for (const dir of readdirSync(`${root}contract-tests`).filter((d) => !leave.has(d))) {
      cpSync(`${root}contract-tests/${dir}`, `${engine}contract-tests/${dir}`, {
        recursive: true,
        filter: (src) => !isOwnTest(src),
      });
    }
    for (const f of ["openapi/users.yaml", "generated/users.ts", "src", "vitest.config.ts", "redocly.yaml"])
      cpSync(root + f, engine + f, { recursive: true });
  }
}
