// Builds the package into dist/: the library (index.mjs, the engine's runConformance), the command
// (cli.mjs), the chunk they share, prism-guard.mjs beside them (prism.ts finds it through
// import.meta.url), and the library's declarations (types/). Dependencies stay external: they are
// the package's own (ajv, ajv-formats, fast-check, light-my-request). The spec is bundled and
// dereferenced here, at build time, and inlined in place of engine/spec-source.ts, so that
// Redocly is not needed at run time. `--no-types` leaves the declarations out (npm run conformance
// runs the command from the repo and needs none; npm pack builds them).
import { execFileSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle, createConfig } from "@redocly/openapi-core";
import { build } from "esbuild";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const root = here("../../");
const dist = here("dist/");
const SPEC = join(root, "openapi/users.yaml");

/** openapi/users.yaml bundled and dereferenced, as engine/spec-source.ts does it at run time in the repo. */
async function bundledSpec() {
  const { bundle: doc, problems } = await bundle({ ref: SPEC, config: await createConfig({}), dereference: true });
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length) throw new Error(`cannot bundle ${SPEC}: ${errors.map((p) => p.message).join("; ")}`);
  return doc.parsed;
}

/** engine/spec-source.ts replaced by a module that hands out the spec bundled now. */
const specAtBuildTime = (doc) => ({
  name: "spec-at-build-time",
  setup(b) {
    b.onLoad({ filter: /[\\/]engine[\\/]spec-source\.ts$/ }, () => ({
      loader: "js",
      contents: [
        "// openapi/users.yaml, bundled and dereferenced when the package was built.",
        `export const SPEC_PATH = ${JSON.stringify("openapi/users.yaml (bundled into this package)")};`,
        `const SPEC = ${JSON.stringify(JSON.stringify(doc))};`,
        "export async function bundledSpec() { return JSON.parse(SPEC); }",
      ].join("\n"),
    }));
  },
});

/** tsc writes the declarations of engine/index.ts and what it imports; their imports name .js files. */
function declarations() {
  const types = join(dist, "types");
  const tsc = join(root, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", here("tsconfig.types.json")], { stdio: "inherit" });
  for (const file of readdirSync(types, { recursive: true, withFileTypes: true })) {
    if (!file.isFile() || !file.name.endsWith(".d.ts")) continue;
    const path = join(file.parentPath, file.name);
    const text = readFileSync(path, "utf8").replace(/(from\s+["']\.{1,2}\/[^"']*)\.ts(["'])/g, "$1.js$2");
    writeFileSync(path, text);
  }
}

rmSync(dist, { recursive: true, force: true });
const doc = await bundledSpec();
await build({
  entryPoints: { index: here("src/index.ts"), cli: here("src/main.ts") },
  outdir: dist,
  outExtension: { ".js": ".mjs" },
  chunkNames: "engine-[hash]",
  bundle: true,
  splitting: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  plugins: [specAtBuildTime(doc)],
  logLevel: "warning",
});
const cli = join(dist, "cli.mjs");
writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, "utf8")}`);
copyFileSync(join(root, "contract-tests/engine/prism-guard.mjs"), join(dist, "prism-guard.mjs"));
if (!process.argv.includes("--no-types")) declarations();
